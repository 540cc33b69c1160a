"""The committee records an agreement at a meeting, staff answer it with evidence, everyone reads it."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from sqlalchemy import select

from evidence_repo.audit import AuditRecord
from evidence_repo.committee import agreement_routes
from evidence_repo.committee.models import Agreement
from evidence_repo.compliance.status import agreement_status
from tests.helpers import csrf_token, login, upload

SLUG = "jalisco-apoyo-organizaciones-sociedad-civil"
PAGE = f"/compromisos/{SLUG}/acuerdos"


@pytest.fixture
def today(monkeypatch):
    """The pages' clock, set by the test."""
    day = {"value": dt.date(2019, 11, 1)}
    monkeypatch.setattr(agreement_routes, "_today", lambda: day["value"])
    return day


@pytest.fixture
def people(app, make_user):
    make_user("comite@jalisco.gob.mx", "committee")
    make_user("staff@jalisco.gob.mx", "staff")


def _signed_in(app, email):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def _record(client, **fields):
    data = {"milestone": "3", "text": "Publicar la minuta de la reunión de seguimiento.",
            "institution": "Secretaría del Sistema de Asistencia Social", "due": "2019-11-15", **fields}
    return client.post(f"/comite/compromisos/{SLUG}/acuerdos", data={"csrf_token": csrf_token(client, PAGE), **data})


def _answer(client, agreement_id, **fields):
    return client.post(f"/personal/acuerdos/{agreement_id}/responder",
                       data={"csrf_token": csrf_token(client, PAGE), **fields})


def test_committee_records_staff_answer_with_evidence_and_the_public_sees_it_atendido(app, people, today, session,
                                                                                      staff_token):
    committee = _signed_in(app, "comite@jalisco.gob.mx")
    r = _record(committee)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"{PAGE}#acuerdo-1")
    assert "Acuerdo 1 registrado" in committee.get(PAGE).get_data(as_text=True)

    public = app.test_client().get(PAGE).get_data(as_text=True)
    assert "Publicar la minuta de la reunión de seguimiento." in public
    assert "Secretaría del Sistema de Asistencia Social" in public and "15 de noviembre de 2019" in public
    assert "○</span> Pendiente" in public and "Responder" not in public and "Registrar un acuerdo" not in public

    minuta = upload(app.test_client(), staff_token, 3, "Minuta", "Minuta de la reunión del 17 de octubre")
    staff = _signed_in(app, "staff@jalisco.gob.mx")
    assert f'value="{minuta}"' in staff.get(PAGE).get_data(as_text=True)  # offered as a checkbox
    r = _answer(staff, 1, reply="La minuta se publicó el 20 de octubre.", evidence=str(minuta))
    assert r.status_code == 302
    assert "Pendiente" in app.test_client().get(PAGE).get_data(as_text=True)  # answered after the page's date

    today["value"] = dt.date.today()
    public = app.test_client().get(PAGE).get_data(as_text=True)
    assert "✓</span> Atendido" in public and "La minuta se publicó el 20 de octubre." in public
    assert f'href="/evidencias/{minuta}"' in public
    # the public record names the institution, never who recorded or answered it
    assert "comite@" not in public and "staff@" not in public

    actions = [(a.action, a.entity_id) for a in session.scalars(
        select(AuditRecord).where(AuditRecord.entity == "agreement").order_by(AuditRecord.id))]
    assert actions == [("agreement.create", 1), ("agreement.answer", 1)]


def test_the_status_follows_the_milestones_rule_and_the_clock(app, people, today):
    assert agreement_status(None, dt.date(2019, 11, 15), dt.date(2019, 11, 15)) == "pendiente"  # due today
    assert agreement_status(None, dt.date(2019, 11, 15), dt.date(2019, 11, 16)) == "vencido"
    assert agreement_status(dt.date(2019, 11, 20), dt.date(2019, 11, 15), dt.date(2019, 11, 21)) == "atendido"
    assert agreement_status(dt.date(2019, 11, 20), dt.date(2019, 11, 15), dt.date(2019, 11, 19)) == "vencido"

    _record(_signed_in(app, "comite@jalisco.gob.mx"))
    today["value"] = dt.date(2019, 11, 16)
    page = app.test_client().get(PAGE).get_data(as_text=True)
    assert "✗</span> Vencido" in page and "Vencido: 1" in page


WRONG_AGREEMENTS = [
    ({"due": "31/02/2020"}, "Fecha inválida: «31/02/2020». Use AAAA-MM-DD o DD/MM/AAAA."),
    ({"due": ""}, "Escriba la fecha compromiso"),
    ({"text": "   "}, "Escriba el acuerdo."),
    ({"institution": ""}, "Escriba la institución responsable."),
    ({"milestone": "99"}, "Elija la reunión (meta) en la que se tomó el acuerdo."),
    ({"milestone": "tres"}, "Elija la reunión (meta) en la que se tomó el acuerdo."),
    ({"text": "x" * 5001}, "El texto no puede pasar de 5000 caracteres."),
]


def test_a_wrong_agreement_gets_a_clear_message_at_its_field_and_nothing_is_saved(app, people, today, session):
    committee = _signed_in(app, "comite@jalisco.gob.mx")
    for fields, message in WRONG_AGREEMENTS:
        r = _record(committee, **fields)
        page = r.get_data(as_text=True)
        assert r.status_code == 400 and message in page and 'aria-invalid="true"' in page, fields
        if "text" not in fields:
            assert "Publicar la minuta de la reunión de seguimiento." in page  # what was typed is kept
    assert session.scalars(select(Agreement)).all() == []


def test_dates_are_read_in_every_format_people_type(app, people, today, session):
    committee = _signed_in(app, "comite@jalisco.gob.mx")
    assert _record(committee, due="15/11/2019").status_code == 302
    assert session.scalars(select(Agreement)).one().due_date == dt.date(2019, 11, 15)


def test_a_wrong_answer_gets_a_clear_message_and_the_agreement_stays_pendiente(app, people, today, session):
    _record(_signed_in(app, "comite@jalisco.gob.mx"))
    staff = _signed_in(app, "staff@jalisco.gob.mx")
    for fields, message in [
        ({"reply": ""}, "Escriba la respuesta al acuerdo."),
        ({"reply": "Hecho", "other_evidence": "12, abc"}, "«abc» no es un número de evidencia."),
        ({"reply": "Hecho", "other_evidence": "999999"}, "La evidencia #999999 no existe en este compromiso"),
        ({"reply": "Hecho", "other_evidence": "99999999999999"}, "no es un número de evidencia"),
    ]:
        r = _answer(staff, 1, **fields)
        assert r.status_code == 400 and message in r.get_data(as_text=True), fields
    session.expire_all()
    assert session.scalars(select(Agreement)).one().reply is None


def test_an_unknown_agreement_is_a_404(app, people):
    staff = _signed_in(app, "staff@jalisco.gob.mx")
    assert _answer(staff, 77, reply="x").status_code == 404


def test_restricted_evidence_in_an_answer_is_never_named_to_the_public(app, people, today, staff_token, worker):
    today["value"] = dt.date.today()
    _record(_signed_in(app, "comite@jalisco.gob.mx"))
    secret = upload(app.test_client(), staff_token, 3, "Lista de asistencia", "Nombres y firmas", "restricted")
    staff = _signed_in(app, "staff@jalisco.gob.mx")
    assert _answer(staff, 1, reply="Lista enviada.", other_evidence=str(secret)).status_code == 302
    anonymous = app.test_client()
    page = anonymous.get(PAGE).get_data(as_text=True)
    assert "Lista enviada." in page and f'href="/evidencias/{secret}"' not in page
    assert anonymous.get(PAGE + ".csv").get_data(as_text=True).splitlines()[1].split(",")[9] == ""
    assert json.loads(anonymous.get(PAGE + ".json").get_data())["agreements"][0]["evidence"] == []
    assert f'href="/evidencias/{secret}"' in staff.get(PAGE).get_data(as_text=True)
    assert json.loads(staff.get(PAGE + ".json").get_data())["agreements"][0]["evidence"][0]["id"] == secret


def test_csv_and_json_are_open_data_and_no_cell_runs_as_a_formula(app, people, today):
    committee = _signed_in(app, "comite@jalisco.gob.mx")
    _record(committee, text='=HYPERLINK("http://malo.example","clic")', institution="+SSAS")
    client = app.test_client()
    r = client.get(PAGE + ".csv")
    assert r.mimetype == "text/csv" and "acuerdos-" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:6] == ["acuerdo", "meta", "acuerdo_texto", "institucion_responsable", "fecha_compromiso", "estado"]
    assert rows[1][2] == """'=HYPERLINK("http://malo.example","clic")""" and rows[1][3] == "'+SSAS"
    assert rows[1][5] == "Pendiente"
    data = json.loads(client.get(PAGE + ".json").get_data())
    assert data["commitment"] == SLUG and data["as_of"] == "2019-11-01"
    assert data["agreements"][0] | {"text": None} == {
        "id": 1, "milestone": 3, "text": None, "responsible_institution": "+SSAS", "due": "2019-11-15",
        "status": "pendiente", "recorded": data["agreements"][0]["recorded"], "reply": None, "replied": None,
        "evidence": []}


def test_the_commitment_and_plan_pages_link_to_the_agreements(client):
    assert f'href="{PAGE}"' in client.get(f"/compromisos/{SLUG}").get_data(as_text=True)
    assert f'href="{PAGE}"' in client.get("/planes/plan-accion-local-jalisco-2019").get_data(as_text=True)


def test_an_unknown_commitment_has_no_agreements_page(client):
    r = client.get("/compromisos/no-existe/acuerdos")
    assert r.status_code == 404 and "No existe el compromiso" in r.get_data(as_text=True)


def test_the_page_and_its_informe_read_in_english(app, people, today):
    _record(_signed_in(app, "comite@jalisco.gob.mx"))
    client = app.test_client()
    page = client.get(PAGE + "?lang=en").get_data(as_text=True)
    assert "<h1>Committee agreements</h1>" in page and "○</span> Pending" in page and "Due date" in page
    assert "November 15, 2019" in page
    data = json.loads(client.get(PAGE + ".json").get_data())
    assert data["agreements"][0]["status"] == "pendiente"  # open data: codes, the same in every language
    assert client.get(PAGE + ".csv").get_data(as_text=True).splitlines()[1].split(",")[5] == "Pending"


def test_the_milestone_page_lists_the_agreements_of_its_meeting(app, people, today):
    committee = _signed_in(app, "comite@jalisco.gob.mx")
    assert _record(committee).status_code == 302
    assert _record(committee, milestone="4", text="Revisar el padrón con las organizaciones.").status_code == 302
    client = app.test_client()
    page = client.get(f"/compromisos/{SLUG}/metas/3").get_data(as_text=True)
    assert "Acuerdos del comité en esta reunión" in page
    assert f'href="{PAGE}#acuerdo-1"' in page and "Publicar la minuta de la reunión de seguimiento." in page
    assert "Secretaría del Sistema de Asistencia Social" in page and "Revisar el padrón" not in page
    assert "✗</span> Vencido" in page  # this page reads the real clock: 15 November 2019 has passed
    assert f'href="{PAGE}#acuerdo-2"' in client.get(f"/compromisos/{SLUG}/metas/4").get_data(as_text=True)
    assert "Acuerdos del comité en esta reunión" not in client.get(f"/compromisos/{SLUG}/metas/5").get_data(
        as_text=True)
