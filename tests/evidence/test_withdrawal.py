"""Nothing is lost: staff withdraw evidence (hidden from the public everywhere, file kept, its address says why);
only an admin purges the bytes, and the audit record keeps the SHA-256."""
from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import select

from evidence_repo.audit import AuditRecord
from evidence_repo.services import services
from tests.helpers import csrf_token, login, upload

WORD = "tlacuachezintle"
C = "/compromisos/jalisco-apoyo-organizaciones-sociedad-civil"
REASON = "Se subió por error con firmas visibles"


def signed_in(app, make_user, email, role):
    make_user(email, role)
    client = app.test_client()
    login(client, email)
    return client


@pytest.fixture
def withdrawn(app, client, staff_token, make_user, worker):
    """A public evidence with a unique word, found by search, then withdrawn by staff."""
    svc = services(app)
    svc.index()
    evidence_id = upload(client, staff_token, 11, "Informe final", f"Informe con {WORD}")
    worker.drain()
    assert client.get("/api/v1/search", query_string={"q": WORD}).get_json()["total"] == 1
    staff = signed_in(app, make_user, "staff@jalisco.gob.mx", "staff")
    url = f"/personal/evidencias/{evidence_id}/retirar"
    token = csrf_token(staff, f"/personal/evidencias/{evidence_id}/editar")
    r = staff.post(url, data={"csrf_token": token, "reason": "  "}, follow_redirects=True)
    assert "Indique el motivo" in r.get_data(as_text=True)
    assert client.get(f"/evidencias/{evidence_id}").status_code == 200
    r = staff.post(url, data={"csrf_token": token, "reason": REASON}, follow_redirects=True)
    assert r.status_code == 200 and f"Retirada: {REASON}" in r.get_data(as_text=True)
    worker.drain()
    return evidence_id, staff


def test_withdrawn_evidence_disappears_from_every_public_surface(app, client, withdrawn):
    evidence_id, staff = withdrawn
    page = client.get(f"/evidencias/{evidence_id}")
    assert page.status_code == 410 and f"retirada: {REASON}" in page.get_data(as_text=True)
    assert client.get(f"/evidencias/{evidence_id}/descargar").status_code == 410
    api = client.get(f"/api/v1/evidence/{evidence_id}")
    assert api.status_code == 410 and REASON in api.get_json()["error"]["message"]
    surfaces = [
        client.get("/api/v1/search", query_string={"q": WORD}),
        client.get("/buscar", query_string={"q": WORD}),
        client.get("/api/v1/evidence"),
        client.get(C + "/metas/11"),
        client.get("/feed.atom"),
        client.get("/cumplimiento.csv"),
        client.get("/api/v1/compliance"),
    ]
    assert surfaces[0].get_json()["total"] == 0
    assert all(e["id"] != evidence_id for e in surfaces[2].get_json()["results"])
    for r in surfaces:
        body = r.get_data(as_text=True)
        assert r.status_code == 200 and f"/evidencias/{evidence_id}\"" not in body and "Informe con" not in body
    assert f'"{evidence_id}"' not in surfaces[-1].get_data(as_text=True)
    # staff still see it, flagged, and the kept file
    assert "Retirada" in staff.get("/personal/evidencias").get_data(as_text=True)
    r = staff.get(f"/evidencias/{evidence_id}/descargar")
    assert r.status_code == 200 and WORD.encode() in r.get_data()


def test_only_staff_withdraw_and_only_admins_purge(app, client, staff_token, make_user, withdrawn):
    evidence_id, staff = withdrawn
    other = upload(client, staff_token, 11, "Informe final", "otro informe")
    committee = signed_in(app, make_user, "comite@jalisco.gob.mx", "committee")
    token = csrf_token(committee, f"/evidencias/{other}")
    assert committee.post(f"/personal/evidencias/{other}/retirar",
                          data={"csrf_token": token, "reason": "x"}).status_code == 403
    token = csrf_token(staff, f"/evidencias/{evidence_id}")
    assert staff.post(f"/admin/evidencias/{evidence_id}/purgar",
                      data={"csrf_token": token, "reason": "x"}).status_code == 403
    admin = signed_in(app, make_user, "admin@jalisco.gob.mx", "admin")
    token = csrf_token(admin, f"/evidencias/{other}")
    r = admin.post(f"/admin/evidencias/{other}/purgar", data={"csrf_token": token, "reason": "datos"},
                   follow_redirects=True)
    assert "Sólo se puede purgar una evidencia retirada" in r.get_data(as_text=True)


def test_purge_removes_the_bytes_and_keeps_the_record(app, client, staff_token, make_user, withdrawn):
    evidence_id, staff = withdrawn
    content = f"Informe con {WORD}".encode()
    sha = hashlib.sha256(content).hexdigest()
    store = services(app).blobs
    assert store.exists(sha)
    admin = signed_in(app, make_user, "admin@jalisco.gob.mx", "admin")
    token = csrf_token(admin, f"/evidencias/{evidence_id}")
    r = admin.post(f"/admin/evidencias/{evidence_id}/purgar",
                   data={"csrf_token": token, "reason": "Solicitud ARCO"}, follow_redirects=True)
    assert "purgado" in r.get_data(as_text=True)
    assert not store.exists(sha)
    assert staff.get(f"/evidencias/{evidence_id}/descargar").status_code == 410
    assert client.get(f"/evidencias/{evidence_id}").status_code == 410
    with services(app).sessions() as s:
        purge = s.scalars(select(AuditRecord).where(AuditRecord.action == "evidence.purge")).one()
    assert purge.before["files"][0]["sha256"] == sha and purge.after["reason"] == "Solicitud ARCO"
    runner = app.test_cli_runner()
    check = runner.invoke(args=["check"])
    assert check.exit_code == 0, check.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_purge_keeps_bytes_another_evidence_still_uses(app, client, staff_token, make_user, withdrawn):
    evidence_id, _staff = withdrawn
    content = f"Informe con {WORD}".encode()
    twin = client.post("/api/v1/evidence", headers={"Authorization": f"Bearer {staff_token}"},
                       content_type="multipart/form-data",
                       data={"milestone": "10", "means": "Informe final", "file": (io.BytesIO(content), "o.txt")})
    assert twin.status_code == 201
    admin = signed_in(app, make_user, "admin@jalisco.gob.mx", "admin")
    token = csrf_token(admin, f"/evidencias/{evidence_id}")
    admin.post(f"/admin/evidencias/{evidence_id}/purgar", data={"csrf_token": token, "reason": "ARCO"})
    assert services(app).blobs.exists(hashlib.sha256(content).hexdigest())
    assert client.get(f"/evidencias/{twin.get_json()['id']}/descargar").get_data() == content
