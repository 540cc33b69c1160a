"""Privacy by default: once the worker has read a new upload, the API (and the evidence page) warn staff that it
seems to hold personal data and propose ``restricted``; one click restricts it."""
from __future__ import annotations

import io

from sqlalchemy import select

from evidence_repo.audit import AuditRecord
from evidence_repo.services import services
from tests.helpers import csrf_token, login, validated

LIST = "Lista de asistencia\nNombre y firma: Ana Tzintzun, ana.tzintzun@example.mx, CURP TAZA800101MJCNZN09"


def test_the_api_warns_after_extraction_and_proposes_restricted(app, client, spec, staff_token, worker):
    auth = {"Authorization": f"Bearer {staff_token}"}
    r = client.post("/api/v1/evidence", headers=auth, content_type="multipart/form-data",
                    data={"milestone": "6", "means": "Lista de asistencia", "visibility": "public",
                          "file": (io.BytesIO(LIST.encode()), "lista.txt")})
    assert r.status_code == 201
    posted = validated(spec, r)
    assert posted["privacy_warnings"] is None  # not read yet: the worker extracts after the upload
    worker.drain()
    answer = validated(spec, client.get(f"/api/v1/evidence/{posted['id']}", headers=auth))
    assert answer["privacy_warnings"] == ["email", "curp"] and answer["suggested_visibility"] == "restricted"
    public = validated(spec, client.get(f"/api/v1/evidence/{posted['id']}"))
    assert "privacy_warnings" not in public  # a hint for staff only
    plain = client.post("/api/v1/evidence", headers=auth, content_type="multipart/form-data",
                        data={"milestone": "6", "means": "Minuta", "file": (io.BytesIO(b"Acuerdos de la sesion"),
                                                                            "minuta.txt")}).get_json()
    worker.drain()
    quiet = client.get(f"/api/v1/evidence/{plain['id']}", headers=auth).get_json()
    assert quiet["privacy_warnings"] == [] and quiet["suggested_visibility"] is None


def test_one_click_restricts_from_the_warning(app, client, make_user, staff_token, worker):
    auth = {"Authorization": f"Bearer {staff_token}"}
    evidence_id = client.post("/api/v1/evidence", headers=auth, content_type="multipart/form-data",
                              data={"milestone": "6", "means": "Lista de asistencia", "visibility": "public",
                                    "file": (io.BytesIO(LIST.encode()), "lista.txt")}).get_json()["id"]
    worker.drain()
    assert client.get("/api/v1/search", query_string={"q": "Tzintzun"}).get_json()["total"] == 1
    make_user("aviso@jalisco.gob.mx", "staff")
    staff = app.test_client()
    login(staff, "aviso@jalisco.gob.mx")
    page = staff.get(f"/evidencias/{evidence_id}").get_data(as_text=True)
    assert "Posibles datos personales en el texto" in page and "Restringir" in page
    assert "Datos personales" in staff.get("/personal/evidencias").get_data(as_text=True)  # the staff list flags it
    r = staff.post(f"/personal/evidencias/{evidence_id}/restringir",
                   data={"csrf_token": csrf_token(staff, f"/evidencias/{evidence_id}")}, follow_redirects=True)
    assert "Evidencia restringida" in r.get_data(as_text=True)
    worker.run_once()
    assert client.get(f"/evidencias/{evidence_id}").status_code == 404
    assert client.get("/api/v1/search", query_string={"q": "Tzintzun"}).get_json()["total"] == 0
    answer = client.get(f"/api/v1/evidence/{evidence_id}", headers=auth).get_json()
    assert answer["visibility"] == "restricted" and answer["suggested_visibility"] is None
    assert "Restringir</button>" not in staff.get(f"/evidencias/{evidence_id}").get_data(as_text=True)
    with services(app).sessions() as s:
        change = s.scalars(select(AuditRecord).where(AuditRecord.action == "evidence.update",
                                                     AuditRecord.entity_id == evidence_id)).one()
        assert (change.before["visibility"], change.after["visibility"]) == ("public", "restricted")
