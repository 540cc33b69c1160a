"""PATCH /api/v1/evidence/<id>: a script fixes metadata or restricts a file; only the fields sent change, the
change is validated like an upload, audited, and a restriction leaves public search once the queue runs."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from evidence_repo.accounts.tokens import create_token
from evidence_repo.audit import AuditRecord
from tests.helpers import upload, validated

WORD = "quetzalcoatlitos"


@pytest.fixture
def public_id(client, staff_token, worker):
    evidence_id = upload(client, staff_token, 6, "Lista de asistencia", f"Asistentes: {WORD} y vecinos")
    worker.drain()
    return evidence_id


def _patch(client, evidence_id, body, token, **kwargs):
    return client.patch(f"/api/v1/evidence/{evidence_id}", json=body,
                        headers={"Authorization": f"Bearer {token}"} if token else {}, **kwargs)


def _public_hits(client) -> int:
    return client.get(f"/api/v1/search?q={WORD}").get_json()["total"]


def test_restricting_by_api_hides_it_from_public_search_and_is_audited(spec, client, staff_token, worker, session,
                                                                       public_id):
    assert _public_hits(client) == 1
    r = _patch(client, public_id, {"visibility": "restricted", "title": "Lista con firmas"}, staff_token)
    body = validated(spec, r)
    assert r.status_code == 200 and body["visibility"] == "restricted" and body["title"] == "Lista con firmas"
    assert body["means"] == "Lista de asistencia"  # fields not sent keep their value
    worker.drain()  # the same queue the web form uses
    assert _public_hits(client) == 0
    assert client.get(f"/api/v1/evidence/{public_id}").status_code == 404
    assert client.get(f"/evidencias/{public_id}").status_code == 404
    staff_sees = client.get(f"/api/v1/search?q={WORD}", headers={"Authorization": f"Bearer {staff_token}"})
    assert staff_sees.get_json()["total"] == 1
    change = session.scalars(select(AuditRecord).where(AuditRecord.action == "evidence.update",
                                                       AuditRecord.entity_id == public_id)).one()
    assert change.before["visibility"] == "public" and change.after["visibility"] == "restricted"
    assert change.after["title"] == "Lista con firmas" and change.user_id is not None


def test_date_activity_and_description_can_be_set_and_cleared(spec, client, staff_token, public_id):
    activity = client.get("/api/v1/milestones/6").get_json()["activities"][0]["id"]
    body = validated(spec, _patch(client, public_id, {"date": "2019-11-25", "activity": activity,
                                                      "description": "Sesión ordinaria"}, staff_token))
    assert (body["date"], body["activity"], body["description"]) == ("2019-11-25", activity, "Sesión ordinaria")
    body = validated(spec, _patch(client, public_id, {"date": None, "activity": None, "description": None},
                                  staff_token))
    assert (body["date"], body["activity"], body["description"]) == (None, None, None)


@pytest.mark.parametrize("body, field, status", [
    ({"date": "2019-02-30"}, "date", 400),
    ({"means": "Horóscopo"}, "means", 400),
    ({"visibility": "secreta"}, "visibility", 400),
    ({"activity": 2139531988789016385860665344}, "activity", 400),
    ({"activity": 999999}, "activity", 400),
    ({"title": "x" * 301}, "title", 400),
    ({"milestone": 3}, "milestone", 400),
    ({"title": 5}, "title", 400),
    ({"visibility": True}, "visibility", 400),
])
def test_bad_fields_are_a_clear_400_naming_the_field(spec, client, staff_token, public_id, body, field, status):
    r = _patch(client, public_id, body, staff_token)
    assert r.status_code == status, r.get_data(as_text=True)
    assert field in validated(spec, r)["error"]["fields"]
    assert client.get(f"/api/v1/evidence/{public_id}").get_json()["visibility"] == "public"


def test_who_may_patch(spec, client, staff_token, make_user, session, public_id):
    committee = make_user("comite@jalisco.gob.mx", "committee")
    _, committee_token = create_token(session, committee)
    session.commit()
    assert validated(spec, _patch(client, public_id, {"title": "X"}, None)).get("error")["code"] == 401
    assert _patch(client, public_id, {"title": "X"}, "er_no-es-un-token").status_code == 401
    assert validated(spec, _patch(client, public_id, {"title": "X"}, committee_token))["error"]["code"] == 403
    assert validated(spec, _patch(client, 424242, {"title": "X"}, staff_token))["error"]["code"] == 404
    assert validated(spec, _patch(client, public_id, {}, staff_token))["error"]["code"] == 400
    r = client.patch(f"/api/v1/evidence/{public_id}", data="title=X",
                     headers={"Authorization": f"Bearer {staff_token}", "Content-Type": "text/plain"})
    assert validated(spec, r)["error"]["code"] == 415
    assert client.get(f"/api/v1/evidence/{public_id}").get_json()["title"] != "X"
