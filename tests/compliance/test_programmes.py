"""Reports and open data for every programme: `report --commitment` / `--plan`, slugs in CSV and JSON, and plan
changes ("Sujeto a cambios") in the Atom feed."""
import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from docx import Document
from pypdf import PdfReader

from tests.helpers import BECAS, import_plan, move_first_session_of_milestone_3

AS_OF = "2025-05-01"
JALISCO = "plan-accion-local-jalisco-2019"
JALISCO_C = "jalisco-apoyo-organizaciones-sociedad-civil"
BECAS_P, BECAS_C = BECAS["plan"]["slug"], BECAS["commitments"][0]["slug"]
TWO = {**BECAS, "commitments": [*BECAS["commitments"], {
    "slug": "becas-contraloria-social", "title": "Contraloría social de Becas",
    "milestones": [{"number": 1, "objective": "Instalar el comité de contraloría social",
                    "requirements": ["Acta de instalación"], "activities": [{"name": "Instalación", "date": None}]}],
}]}
REASON = "El comité pidió mover la reunión por el periodo vacacional"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def runner(app, tmp_path):
    import_plan(app, tmp_path, TWO)
    return app.test_cli_runner()


def report(runner, tmp_path, fmt, *args):
    out = tmp_path / f"informe.{fmt}"
    result = runner.invoke(args=["report", "--as-of", AS_OF, "--format", fmt, "--output", str(out), *args])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def test_report_of_one_commitment(runner, tmp_path):
    data = json.loads(report(runner, tmp_path, "json", "--commitment", BECAS_C))
    assert data["plan"] == BECAS_P and data["commitment"] == BECAS_C
    assert [m["number"] for m in data["milestones"]] == [1, 2]
    default = json.loads(report(runner, tmp_path, "json"))
    assert default["commitment"] == JALISCO_C and len(default["milestones"]) == 11  # as before: the first loaded
    pdf = report(runner, tmp_path, "pdf", "--commitment", BECAS_C)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Padrón abierto del programa Becas" in text and "Análisis del programa" not in text


def test_report_of_a_whole_plan_has_one_section_per_commitment(runner, tmp_path):
    data = json.loads(report(runner, tmp_path, "json", "--plan", BECAS_P))
    assert data["plan"] == BECAS_P and data["note"] == "Sujeto a cambios"
    assert [c["commitment"] for c in data["commitments"]] == [BECAS_C, "becas-contraloria-social"]
    rows = list(csv.reader(io.StringIO(report(runner, tmp_path, "csv", "--plan", BECAS_P).decode().lstrip("\ufeff"))))
    assert rows[0][-2:] == ["plan", "compromiso"]
    assert {tuple(r[-2:]) for r in rows[1:]} == {(BECAS_P, BECAS_C), (BECAS_P, "becas-contraloria-social")}
    doc = Document(io.BytesIO(report(runner, tmp_path, "docx", "--plan", BECAS_P)))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert "Padrón abierto del programa Becas" in headings and "Contraloría social de Becas" in headings
    assert any(p.text == BECAS["plan"]["title"] for p in doc.paragraphs)
    pdf = report(runner, tmp_path, "pdf", "--plan", BECAS_P)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Contraloría social de Becas" in text and "Instalar el comité de contraloría social" in text


def test_report_refuses_unknown_slugs_and_both_options(runner, tmp_path):
    out = str(tmp_path / "x.json")
    bad = runner.invoke(args=["report", "--format", "json", "--output", out, "--commitment", "nada"])
    assert bad.exit_code != 0 and "No existe el compromiso «nada»" in bad.output
    bad = runner.invoke(args=["report", "--format", "json", "--output", out, "--plan", "nada"])
    assert bad.exit_code != 0 and "No existe el plan «nada»" in bad.output
    both = runner.invoke(args=["report", "--format", "json", "--output", out, "--plan", BECAS_P,
                               "--commitment", BECAS_C])
    assert both.exit_code != 0


def test_web_csv_and_json_name_plan_and_commitment(client):
    rows = list(csv.reader(io.StringIO(client.get("/cumplimiento.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:8] == ["meta", "estado_meta", "fecha_limite", "medio_de_verificacion", "situacion", "evidencias",
                           "observadas", "sesiones_faltantes"]  # the columns open data users already read
    assert rows[0][8:] == ["plan", "compromiso"] and all(r[8:] == [JALISCO, JALISCO_C] for r in rows[1:])
    data = client.get("/api/v1/compliance").get_json()
    assert data["plan"] == JALISCO and data["commitment"] == JALISCO_C


def test_the_feed_has_plan_changes_with_before_after_and_reason_but_never_who(app, client, make_user):
    move_first_session_of_milestone_3(app, make_user, REASON)
    body = client.get("/feed.atom").get_data(as_text=True)
    assert "admin.secreta" not in body
    entries = ET.fromstring(body).findall(f"{ATOM}entry")
    change = next(e for e in entries if e.find(f"{ATOM}title").text.startswith("Cambio al plan"))
    assert "2019-10-17 → 2019-10-24" in change.find(f"{ATOM}title").text
    summary = change.find(f"{ATOM}summary").text
    assert "Fecha: 2019-10-17 → 2019-10-24" in summary and REASON in summary
    assert change.find(f"{ATOM}link").get("href").endswith(f"/compromisos/{JALISCO_C}/cambios")
