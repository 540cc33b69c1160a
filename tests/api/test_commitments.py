"""API v1 for every programme: plans, commitments by slug, their milestones, compliance and public changes.

Every answer is validated against the OpenAPI document; restricted evidence is never named for anonymous callers.
"""
import io

import pytest

from tests.helpers import BECAS, csrf_token, import_plan, login, validated

JALISCO = "plan-accion-local-jalisco-2019"
JALISCO_C = "jalisco-apoyo-organizaciones-sociedad-civil"
BECAS_C = "becas-padron-abierto"
REASON = "El comité pidió mover la reunión por el periodo vacacional"
SECRET_TITLE = "Lista con firmas de beneficiarias"


def get(spec, client, path, status=200, **kwargs):
    response = client.get(path, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return validated(spec, response)


def upload(client, token, **fields):
    data = {"milestone": "3", "means": "Minuta", "date": "2019-10-17", "file": (io.BytesIO(b"minuta"), "m.txt"),
            **fields}
    return client.post("/api/v1/evidence", data=data, headers={"Authorization": f"Bearer {token}"},
                       content_type="multipart/form-data")


@pytest.fixture
def two_plans(app, tmp_path):
    import_plan(app, tmp_path)


@pytest.fixture
def admin(app, make_user):
    make_user("admin.secreta@jalisco.gob.mx", "admin")
    client = app.test_client()
    login(client, "admin.secreta@jalisco.gob.mx")
    return client


def move_date(admin, number=3, date="2019-10-24", reason=REASON):
    activity = admin.get(f"/api/v1/milestones/{number}").get_json()["activities"][0]
    token = csrf_token(admin, f"/admin/metas/{number}")
    r = admin.post(f"/admin/metas/{number}/actividad", follow_redirects=True,
                   data={"csrf_token": token, "activity_id": activity["id"], "name": activity["name"] or "",
                         "date": date, "reason": reason})
    assert r.status_code == 200
    return activity


def test_plans_lists_every_plan_with_its_commitments_progress(spec, client, two_plans):
    data = get(spec, client, "/api/v1/plans")
    assert [p["slug"] for p in data] == [JALISCO, BECAS["plan"]["slug"]]
    assert data[0]["archived"] is False
    jalisco, = data[0]["commitments"]
    assert jalisco["slug"] == JALISCO_C and jalisco["title"].startswith("Análisis del programa")
    assert sum(jalisco["status_counts"].values()) == 11
    becas, = data[1]["commitments"]
    assert becas == {"slug": BECAS_C, "title": "Padrón abierto del programa Becas",
                     "institution": "Secretaría de Educación de Zacatecas", "percent": becas["percent"],
                     "status_counts": becas["status_counts"]}
    assert sum(becas["status_counts"].values()) == 2 and becas["percent"] == 0


def test_commitment_with_its_milestones_and_requirement_scopes(spec, client, two_plans):
    data = get(spec, client, f"/api/v1/commitments/{BECAS_C}")
    assert data["slug"] == BECAS_C and data["plan_slug"] == BECAS["plan"]["slug"]
    assert data["note"] == "Sujeto a cambios"
    assert [m["number"] for m in data["milestones"]] == [1, 2]
    assert data["milestones"][1]["requirements"] == [{"means": "Lista de asistencia", "scope": "each_activity"},
                                                     {"means": "Minuta", "scope": "each_activity"}] \
        or {r["means"]: r["scope"] for r in data["milestones"][1]["requirements"]}["Minuta"] == "each_activity"
    jalisco = get(spec, client, f"/api/v1/commitments/{JALISCO_C}")
    assert len(jalisco["milestones"]) == 11
    m2 = jalisco["milestones"][1]
    assert m2["activities"][0]["requirements"][0] == {"means": "Convocatoria", "scope": "each_activity"}
    assert {"means": "Informe final", "scope": "milestone"} in jalisco["milestones"][10]["requirements"]


def test_one_milestone_of_a_commitment(spec, client, two_plans):
    data = get(spec, client, f"/api/v1/commitments/{BECAS_C}/milestones/2")
    assert data["objective"] == "Reunión con el comité de seguimiento" and data["due_date"] == "2025-04-10"
    assert data["activities"][0]["name"] == "Reunión de seguimiento"
    same = get(spec, client, f"/api/v1/commitments/{JALISCO_C}/milestones/6")
    assert same["number"] == 6 and same["due_date"] == "2019-11-25"


@pytest.mark.parametrize("path", ["/api/v1/commitments/nada", "/api/v1/commitments/nada/milestones/1",
                                  "/api/v1/commitments/nada/compliance", "/api/v1/commitments/nada/changes"])
def test_unknown_commitment_is_a_json_404_in_spanish(spec, client, path):
    data = get(spec, client, path, 404)
    assert data == {"error": {"code": 404, "message": "No existe el compromiso «nada»"}}


def test_unknown_milestone_of_a_commitment_is_a_json_404(spec, client):
    data = get(spec, client, f"/api/v1/commitments/{JALISCO_C}/milestones/42", 404)
    assert data["error"]["message"] == f"No existe la meta 42 en el compromiso «{JALISCO_C}»"


def test_compliance_of_each_commitment_keeps_them_apart(spec, client, two_plans, staff_token):
    activity = client.get(f"/api/v1/commitments/{BECAS_C}/milestones/2").get_json()["activities"][0]["id"]
    assert upload(client, staff_token, commitment=BECAS_C, milestone="2", date="2025-04-10",
                  activity=str(activity)).status_code == 201
    becas = get(spec, client, f"/api/v1/commitments/{BECAS_C}/compliance")
    assert becas["plan"] == BECAS["plan"]["slug"] and becas["commitment"] == BECAS_C
    assert [m["number"] for m in becas["milestones"]] == [1, 2]
    assert becas["milestones"][1]["evidence"]["Minuta"]
    jalisco = get(spec, client, f"/api/v1/commitments/{JALISCO_C}/compliance?as_of=2019-12-13")
    assert jalisco["commitment"] == JALISCO_C and not jalisco["milestones"][2]["evidence"].get("Minuta")
    assert get(spec, client, "/api/v1/compliance?as_of=2019-12-13") == jalisco  # the default commitment
    get(spec, client, f"/api/v1/commitments/{BECAS_C}/compliance?as_of=mañana", 400)


def test_post_without_commitment_is_refused_naming_both_slugs_once_there_are_two(spec, client, staff_token,
                                                                                 two_plans):
    r = upload(client, staff_token)
    assert r.status_code == 400, r.get_data(as_text=True)
    message = validated(spec, r)["error"]["message"]
    assert JALISCO_C in message and BECAS_C in message
    assert upload(client, staff_token, commitment=JALISCO_C).status_code == 201


def test_post_without_commitment_is_fine_while_there_is_one(client, staff_token):
    assert upload(client, staff_token).status_code == 201


def test_changes_show_an_admin_date_change_with_its_reason_and_never_who(spec, client, admin, two_plans):
    move_date(admin)
    data = get(spec, client, f"/api/v1/commitments/{JALISCO_C}/changes")
    change = data[0]
    assert change["kind"] == "activity.date_changed" and change["milestone"] == 3
    assert change["reason"] == REASON
    assert change["before"]["date"] == "2019-10-17" and change["after"]["date"] == "2019-10-24"
    assert "2019-10-17 → 2019-10-24" in change["summary"]
    assert [c["at"] for c in data] == sorted((c["at"] for c in data), reverse=True)
    assert all(c["commitment"] in (JALISCO_C, None) for c in data)  # never the other plan's
    body = client.get(f"/api/v1/commitments/{JALISCO_C}/changes").get_data(as_text=True)
    assert "admin.secreta" not in body and "@" not in body
    becas = get(spec, client, f"/api/v1/commitments/{BECAS_C}/changes")
    assert {c["kind"] for c in becas} >= {"plan.imported"} and all(c["reason"] != REASON for c in becas)


def test_a_restricted_title_is_in_none_of_the_new_endpoints_for_anonymous_callers(spec, client, staff_token, admin,
                                                                                 two_plans):
    r = upload(client, staff_token, commitment=JALISCO_C, visibility="restricted", title=SECRET_TITLE)
    assert r.status_code == 201
    move_date(admin)
    paths = ["/api/v1/plans", f"/api/v1/commitments/{JALISCO_C}", f"/api/v1/commitments/{JALISCO_C}/milestones/3",
             f"/api/v1/commitments/{JALISCO_C}/compliance",
             f"/api/v1/commitments/{JALISCO_C}/changes", f"/compromisos/{JALISCO_C}/cambios"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert SECRET_TITLE not in response.get_data(as_text=True), path
    compliance = client.get(f"/api/v1/commitments/{JALISCO_C}/compliance").get_json()
    assert compliance["milestones"][2]["evidence"]["Minuta"] == ["restringida"]
    with_token = client.get(f"/api/v1/commitments/{JALISCO_C}/compliance",
                            headers={"Authorization": f"Bearer {staff_token}"}).get_json()
    assert with_token["milestones"][2]["evidence"]["Minuta"] == [r.get_json()["id"]]


def test_the_new_paths_are_in_the_openapi_document(client):
    paths = set(client.get("/api/v1/openapi.json").get_json()["paths"])
    assert {"/plans", "/commitments/{slug}", "/commitments/{slug}/milestones/{number}",
            "/commitments/{slug}/compliance", "/commitments/{slug}/changes"} <= paths
