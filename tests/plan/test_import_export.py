"""Any plan of the same shape can be imported and exported; bad files change nothing and say where.

SMALL_PLAN is in the first file format (one `commitment:`, no slugs), which is still read.
"""
import json

import pytest
import yaml
from sqlalchemy import func, select

from evidence_repo.audit import AuditRecord
from evidence_repo.plan.models import Activity, Commitment, Milestone, Plan

SMALL_PLAN = {
    "format": "evidence-repo/plan@1",
    "plan": {"title": "Plan de prueba 2025", "jurisdiction": "Zacatecas"},
    "verification_means": [{"name": "Minuta", "aliases": ["Minutas"]}, {"name": "Lista de asistencia"}],
    "commitment": {
        "title": "Padrón abierto del programa Becas",
        "start_date": "01/02/2025",
        "end_date": "2025-12-31",
        "milestones": [
            {"number": 1, "objective": "Mesa de trabajo", "responsible": ["Ana Ruiz"],
             "requirements": ["Minutas", "lista de ASISTENCIA"],
             "activities": [{"name": "Primera mesa", "date": "15/03/25"}, {"name": "Por definir", "date": "Por definir"}]},
        ],
    },
}


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def export(runner, *args):
    result = runner.invoke(args=["plan", "export", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_export_then_import_gives_the_same_plan(runner, tmp_path, session):
    first = export(runner)
    ids_before = session.scalars(select(Activity.id).order_by(Activity.id)).all()
    path = tmp_path / "plan.yaml"
    path.write_text(first, encoding="utf-8")
    result = runner.invoke(args=["plan", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "11 metas" in result.output
    assert export(runner) == first
    session.expire_all()
    assert session.scalars(select(Activity.id).order_by(Activity.id)).all() == ids_before


def test_json_export_roundtrip(runner, tmp_path):
    out = tmp_path / "plan.json"
    export(runner, "--output", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "evidence-repo/plan@2" and "commitment" not in data
    assert data["plan"]["slug"] == "plan-accion-local-jalisco-2019"
    [commitment] = data["commitments"]
    assert commitment["slug"] == "jalisco-apoyo-organizaciones-sociedad-civil"
    assert len(commitment["milestones"]) == 11
    assert commitment["milestones"][1]["activities"][0]["date"] == "2019-10-01"
    assert isinstance(commitment["milestones"][1]["activities"][0]["id"], int)
    assert commitment["milestones"][2]["requirements"][3] == {"means": "Minuta", "scope": "each_activity"}
    assert runner.invoke(args=["plan", "import", str(out)]).exit_code == 0
    assert json.loads(export(runner, "--format", "json")) == data


def test_an_old_format_file_of_another_plan_is_added_beside_the_seed_and_audited(runner, tmp_path, session):
    seed_before = export(runner)
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(SMALL_PLAN, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["plan", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Plan «plan-de-prueba-2025» (nuevo)" in result.output
    assert export(runner) == seed_before  # the default plan is still the seed, untouched
    exported = yaml.safe_load(export(runner, "--plan", "plan-de-prueba-2025"))
    [c] = exported["commitments"]
    assert c["slug"] == "padron-abierto-del-programa-becas"
    m1 = c["milestones"][0]
    assert c["start_date"] == "2025-02-01"
    # milestone requirements get their scope by the means' kind: a minuta per session, once-only products per milestone
    assert m1["requirements"] == [{"means": "Minuta", "scope": "each_activity"},
                                  {"means": "Lista de asistencia", "scope": "each_activity"}]
    assert m1["activities"][0]["date"] == "2025-03-15"
    assert {k: v for k, v in m1["activities"][1].items() if k != "id"} == {
        "name": None, "date": None, "responsible": [], "requirements": []}
    assert session.scalar(select(func.count()).select_from(Milestone)) == 12
    assert session.scalar(select(func.count()).select_from(Plan)) == 2
    assert session.scalar(select(func.count()).select_from(Commitment)) == 2
    audit = session.scalars(select(AuditRecord).where(AuditRecord.action == "plan.import")
                            .order_by(AuditRecord.id)).all()
    assert audit[-1].before is None
    assert audit[-1].after["commitments"][0]["title"] == "Padrón abierto del programa Becas"


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["commitment"]["milestones"][0].pop("objective"), "commitment.milestones[0].objective"),
    (lambda d: d["commitment"]["milestones"][0]["activities"][0].update(date="31/02/2025"),
     "commitment.milestones[0].activities[0].date: fecha inválida"),
    (lambda d: d["commitment"]["milestones"][0]["requirements"].append("Minnuta"),
     "commitment.milestones[0].requirements[2]: medio de verificación desconocido 'Minnuta'"),
    (lambda d: d["commitment"]["milestones"].append(dict(d["commitment"]["milestones"][0])),
     "números de meta repetidos: [1]"),
    (lambda d: d["commitment"].update(end_date="2024-01-01"), "end_date es anterior a start_date"),
    (lambda d: d["commitment"]["milestones"][0].update(numero=3), "commitment.milestones[0].numero"),
    (lambda d: d["commitment"]["milestones"][0].update(number="tres"), "commitment.milestones[0].number"),
    (lambda d: d.update(format="otro"), "format: formato desconocido"),
])
def test_bad_plan_file_names_the_place_and_changes_nothing(runner, tmp_path, mutate, expected):
    before = export(runner)
    data = json.loads(json.dumps(SMALL_PLAN))
    mutate(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["plan", "import", str(path)])
    assert result.exit_code == 1
    assert "El archivo de plan no es válido" in result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert export(runner) == before


@pytest.mark.parametrize("content, expected", [
    ("plan:\n  title: [unclosed\ncommitment: {}\n", "línea 3: YAML inválido"),
    ("- solo\n- una lista\n", "(raíz): el archivo debe contener un objeto"),
    ("", "(raíz): el archivo debe contener un objeto"),
])
def test_unreadable_plan_files(runner, tmp_path, content, expected):
    path = tmp_path / "plan.yaml"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["plan", "import", str(path)])
    assert result.exit_code == 1
    assert expected in result.output


def test_binary_and_missing_files(runner, tmp_path):
    path = tmp_path / "plan.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    result = runner.invoke(args=["plan", "import", str(path)])
    assert result.exit_code == 1 and "no se pudo leer" in result.output
    result = runner.invoke(args=["plan", "import", str(tmp_path / "nope.yaml")])
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_dry_run_validates_without_importing(runner, tmp_path, session):
    before = export(runner)
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(SMALL_PLAN, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["plan", "import", str(path), "--dry-run"])
    assert result.exit_code == 0 and "Archivo válido: 1 metas" in result.output
    assert "+ Plan creado: «Plan de prueba 2025»" in result.output
    assert "no se guardó nada" in result.output
    assert export(runner) == before
    assert session.scalar(select(func.count()).select_from(Plan)) == 1
