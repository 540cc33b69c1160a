"""`plan new --template`: a documented blank plan for one social programme, which imports once its titles are filled."""
from __future__ import annotations

import pytest
import yaml
from sqlalchemy import select

from evidence_repo.plan.models import Commitment, Plan


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_the_template_is_printed_or_written_and_never_overwrites(runner, tmp_path):
    printed = runner.invoke(args=["plan", "new", "--template"])
    assert printed.exit_code == 0 and printed.output.startswith("# Plantilla")
    out = tmp_path / "becas.yaml"
    written = runner.invoke(args=["plan", "new", "--template", "-o", str(out)])
    assert written.exit_code == 0 and out.read_text(encoding="utf-8") == printed.output
    again = runner.invoke(args=["plan", "new", "--template", "programa-social", "-o", str(out)])
    assert again.exit_code != 0 and "ya existe" in again.output


def test_the_blank_template_says_what_to_fill_in(runner, tmp_path, session):
    path = tmp_path / "plantilla.yaml"
    runner.invoke(args=["plan", "new", "-o", str(path)])
    result = runner.invoke(args=["plan", "import", str(path)])
    assert result.exit_code == 1
    assert "plan.title: falta el título" in result.output
    assert "commitments[0].title: falta el título" in result.output
    assert len(session.scalars(select(Plan)).all()) == 1


def test_the_filled_template_imports_cleanly(runner, tmp_path, session):
    path = tmp_path / "becas.yaml"
    runner.invoke(args=["plan", "new", "-o", str(path)])
    text = path.read_text(encoding="utf-8")
    assert "each_activity" in text and "milestone" in text and "# " in text  # documented
    data = yaml.safe_load(text)
    data["plan"]["title"] = "Plan de transparencia del programa Becas 2026"
    data["commitments"][0]["title"] = "Padrón abierto del programa Becas"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    dry = runner.invoke(args=["plan", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    result = runner.invoke(args=["plan", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Plan «plan-de-transparencia-del-programa-becas-2026» (nuevo)" in result.output
    commitment = session.scalar(select(Commitment).where(Commitment.slug == "padron-abierto-del-programa-becas"))
    assert [m.number for m in commitment.milestones] == [1, 2, 3, 4, 5]
    m2 = commitment.milestones[1]
    assert {r.means.name: r.scope for r in m2.requirements}["Minuta"] == "each_activity"
    assert {r.means.name: r.scope for r in m2.requirements}["Acuerdos generales"] == "milestone"
    assert all(a.date is None for m in commitment.milestones for a in m.activities)

    data["plan"]["slug"] = "plan-de-transparencia-del-programa-becas-2026"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert "Sin cambios" in runner.invoke(args=["plan", "import", str(path)]).output
