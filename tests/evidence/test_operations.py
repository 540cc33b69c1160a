"""With several commitments, evidence names its milestone's commitment: a number alone never picks one silently."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from evidence_repo.evidence.models import Evidence
from evidence_repo.evidence.operations import EvidenceError, EvidenceInput, resolve, update_metadata
from evidence_repo.plan.document import parse_plan
from evidence_repo.plan.importing import import_plan
from tests.helpers import csrf_token, login

JALISCO = "jalisco-apoyo-organizaciones-sociedad-civil"
OTHER = {"plan": {"slug": "becas", "title": "Becas"},
         "commitments": [{"slug": "becas-padron", "title": "Padrón de Becas",
                          "milestones": [{"number": 3, "objective": "Comité de Becas", "requirements": ["Minuta"],
                                          "activities": [{"name": "Sesión"}]}]}]}


@pytest.fixture
def second_commitment(session):
    import_plan(session, parse_plan(OTHER))
    session.commit()


def test_one_commitment_needs_no_slug(session):
    resolved = resolve(session, EvidenceInput(milestone=3, means="minuta"))
    assert resolved.milestone.commitment.slug == JALISCO and resolved.milestone.number == 3


def test_several_commitments_need_the_slug_and_say_the_choices(session, second_commitment):
    with pytest.raises(EvidenceError) as exc:
        resolve(session, EvidenceInput(milestone=3, means="minuta"))
    assert exc.value.field == "commitment"
    assert exc.value.message == (f"Hay varios compromisos: indique a cuál corresponde la evidencia ({JALISCO}, "
                                 "becas-padron).")
    with pytest.raises(EvidenceError) as exc:
        resolve(session, EvidenceInput(milestone=3, means="minuta", commitment="becas"))
    assert exc.value.problems["commitment"] == (f"No existe el compromiso «becas». Elija uno de: {JALISCO}, "
                                                "becas-padron.")
    other = resolve(session, EvidenceInput(milestone=3, means="minuta", commitment="becas-padron"))
    assert other.milestone.objective == "Comité de Becas"
    jalisco = resolve(session, EvidenceInput(milestone=3, means="minuta", commitment=JALISCO))
    assert jalisco.milestone.objective == "Reunión con el Comité de seguimiento"
    with pytest.raises(EvidenceError) as exc:
        resolve(session, EvidenceInput(milestone=11, means="minuta", commitment="becas-padron"))
    assert exc.value.problems == {"milestone": "No existe la meta 11."}


def test_editing_evidence_keeps_it_in_its_commitment(session, second_commitment, client, staff_token):
    r = client.post("/api/v1/evidence", headers={"Authorization": f"Bearer {staff_token}"},
                    content_type="multipart/form-data",
                    data={"milestone": "3", "means": "Minuta", "commitment": "becas-padron",
                          "file": (io.BytesIO(b"Minuta del comite de Becas"), "minuta.txt")})
    assert r.status_code == 201, r.get_data(as_text=True)
    evidence = session.get(Evidence, r.get_json()["id"])
    update_metadata(session, evidence, EvidenceInput(milestone=3, means="Minuta", title="Minuta revisada"), None)
    session.commit()
    assert evidence.milestone.commitment.slug == "becas-padron" and evidence.title == "Minuta revisada"


def test_api_upload_without_commitment_is_refused_naming_the_choices(client, staff_token, second_commitment, session):
    r = client.post("/api/v1/evidence", headers={"Authorization": f"Bearer {staff_token}"},
                    content_type="multipart/form-data",
                    data={"milestone": "3", "means": "Minuta", "file": (io.BytesIO(b"Minuta"), "minuta.txt")})
    assert r.status_code == 400
    assert r.get_json()["error"]["fields"]["commitment"].startswith("Hay varios compromisos")
    assert session.scalar(select(Evidence.id)) is None


def test_the_staff_form_uploads_to_the_commitment_it_shows(client, make_user, second_commitment, session):
    make_user("staff@jalisco.gob.mx", "staff")
    login(client, "staff@jalisco.gob.mx")
    data = {"csrf_token": csrf_token(client, "/personal/subir"), "milestone": "3", "means": "Minuta", "activity": "",
            "title": "", "date": "2019-10-17", "description": "", "visibility": "public",
            "commitment": JALISCO, "files": (io.BytesIO(b"Minuta de Jalisco"), "minuta.txt")}
    r = client.post("/personal/subir", data=data, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    evidence = session.scalar(select(Evidence))
    assert evidence.milestone.commitment.slug == JALISCO
