"""API v1: the plan as JSON, validated against its own OpenAPI document."""
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from sqlalchemy import select


def check(spec, client, path, status):
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    spec.validate_response(WerkzeugOpenAPIRequest(response.request), WerkzeugOpenAPIResponse(response))
    return response.get_json()


def test_plan(spec, client):
    data = check(spec, client, "/api/v1/plan", 200)
    assert data["commitment"]["title"].startswith("Análisis del programa")
    assert data["commitment"]["start_date"] == "2019-08-22"
    assert data["commitment"]["note"] == "Sujeto a cambios"  # the plan's note
    assert data["commitment"]["slug"] == "jalisco-apoyo-organizaciones-sociedad-civil"
    assert data["commitment"]["plan_slug"] == "plan-accion-local-jalisco-2019"
    milestones = data["milestones"]
    assert [m["number"] for m in milestones] == list(range(1, 12))
    m2 = milestones[1]
    assert m2["requirements"] == []
    assert [(a["name"], a["date"]) for a in m2["activities"]] == [
        ("Sesión de ensayo de presentaciones", "2019-10-01"), ("Sesión de capacitación y mesas de trabajo", "2019-10-15")]
    assert m2["activities"][0]["requirements"] == ["Convocatoria", "Lista de asistencia", "Memoria fotográfica"]
    assert "Relatorías por mesa de trabajo" in m2["activities"][1]["requirements"]
    assert milestones[2]["requirements"] == [
        "Convocatoria", "Lista de asistencia", "Memoria fotográfica", "Minuta", "Informe de retroalimentación"]
    for m in milestones[8:]:
        assert m["due_date"] is None and [a["date"] for a in m["activities"]] == [None]
    assert milestones[10]["requirements"] == ["Informe final"]


def test_one_milestone(spec, client):
    data = check(spec, client, "/api/v1/milestones/6", 200)
    assert data["number"] == 6
    assert data["due_date"] == "2019-11-25"
    assert [a["responsible"] for a in data["activities"]] == [["Mauricio Esponda Martínez"], ["Saira Pérez"]]
    assert isinstance(data["activities"][0]["id"], int)


def test_unknown_milestone_is_json_404(spec, client):
    data = check(spec, client, "/api/v1/milestones/42", 404)
    assert data == {"error": {"code": 404, "message": "No existe la meta 42"}}


def test_unknown_api_path_is_json(client):
    r = client.get("/api/v1/nada")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == 404


def test_openapi_document_is_served(client):
    data = client.get("/api/v1/openapi.json").get_json()
    assert data["openapi"].startswith("3.")
    assert {"/plan", "/milestones/{number}"} <= set(data["paths"])


def test_a_token_s_last_use_is_saved_even_on_reads(client, staff_token, session):
    from evidence_repo.evidence.models import ApiToken

    assert session.scalar(select(ApiToken.last_used_at)) is None
    assert client.get("/api/v1/evidence", headers={"Authorization": f"Bearer {staff_token}"}).status_code == 200
    session.expire_all()
    assert session.scalar(select(ApiToken.last_used_at)) is not None
