"""``/api/v1/commitments/<slug>/agreements``: the committee's agreements as open data, per meeting if asked, their
status as of a date, and evidence of an answer named only to a reader who may see it."""
import datetime as dt

import pytest

from evidence_repo.accounts.models import User
from evidence_repo.committee.agreements import answer_agreement, record_agreement
from evidence_repo.plan.operations import load_commitment
from tests.helpers import upload, validated

SLUG = "jalisco-apoyo-organizaciones-sociedad-civil"
URL = f"/api/v1/commitments/{SLUG}/agreements"


@pytest.fixture
def agreements(app, session, make_user, staff_token):
    """Two agreements of meeting 3 (one answered with restricted evidence) and one of meeting 4."""
    committee = make_user("comite@jalisco.gob.mx", "committee")
    commitment = load_commitment(session, SLUG)
    first = record_agreement(session, commitment, milestone_number=3, text="Publicar la minuta.",
                             institution="SSAS", due="2019-11-15", user=committee)
    record_agreement(session, commitment, milestone_number=3, text="Enviar la lista.", institution="SSAS",
                     due="2019-11-20", user=committee)
    record_agreement(session, commitment, milestone_number=4, text="Revisar el padrón.", institution="SEPAF",
                     due="2030-01-31", user=committee)
    session.commit()
    secret = upload(app.test_client(), staff_token, 3, "Lista de asistencia", "Nombres y firmas", "restricted")
    staff = session.query(User).filter_by(email="carga@jalisco.gob.mx").one()
    answer_agreement(session, session.merge(first), reply="Publicada.", evidence_ids=[secret], user=staff)
    session.commit()
    return {"secret": secret, "token": staff_token}


def _get(spec, client, url, status=200, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    return validated(spec, response)


def test_every_agreement_with_its_status_as_of_a_date(spec, client, agreements):
    data = _get(spec, client, URL + "?as_of=2019-11-18")
    assert data["commitment"] == SLUG and data["as_of"] == "2019-11-18"
    assert [(a["milestone"], a["text"], a["status"]) for a in data["agreements"]] == [
        (3, "Publicar la minuta.", "vencido"),  # answered today: not yet on 18 November 2019
        (3, "Enviar la lista.", "pendiente"),
        (4, "Revisar el padrón.", "pendiente")]
    today = _get(spec, client, URL)
    assert today["as_of"] == dt.date.today().isoformat()
    assert [a["status"] for a in today["agreements"]] == ["atendido", "vencido", "pendiente"]
    assert today["agreements"][0]["reply"] == "Publicada."


def test_one_meetings_agreements(spec, client, agreements):
    assert [a["text"] for a in _get(spec, client, URL + "?milestone=4")["agreements"]] == ["Revisar el padrón."]
    assert len(_get(spec, client, URL + "?milestone=3")["agreements"]) == 2
    assert _get(spec, client, URL + "?milestone=5")["agreements"] == []


def test_restricted_evidence_of_an_answer_is_named_only_to_staff(spec, client, agreements):
    public = _get(spec, client, URL)["agreements"][0]
    assert public["reply"] == "Publicada." and public["evidence"] == []
    staff = _get(spec, client, URL, headers={"Authorization": f"Bearer {agreements['token']}"})["agreements"][0]
    assert [e["id"] for e in staff["evidence"]] == [agreements["secret"]]


@pytest.mark.parametrize("query,status,message", [
    ("?milestone=99", 404, "No existe la meta 99"),
    ("?milestone=tres", 400, "«milestone» debe ser un número entero"),
    ("?milestone=", 400, "«milestone» debe ser un número entero"),
    ("?as_of=2019-02-31", 400, "as_of"),
])
def test_wrong_parameters_get_a_clear_message(spec, client, agreements, query, status, message):
    response = client.get(URL + query)
    assert response.status_code == status and message in response.get_data(as_text=True)


def test_an_unknown_commitment_is_a_404(spec, client):
    assert client.get("/api/v1/commitments/no-existe/agreements").status_code == 404
