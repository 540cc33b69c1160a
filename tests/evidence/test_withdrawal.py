"""Nothing is lost: staff withdraw evidence (hidden from the public everywhere, file kept, its address says why);
only an admin purges the bytes, and the audit record keeps the SHA-256."""
from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import select

from evidence_repo.audit import AuditRecord
from evidence_repo.services import services
from tests.helpers import csrf_token, login, upload, upload_file

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


def _withdraw_and_purge(app, make_user, evidence_id: int):
    staff = signed_in(app, make_user, "retira@jalisco.gob.mx", "staff")
    token = csrf_token(staff, f"/personal/evidencias/{evidence_id}/editar")
    staff.post(f"/personal/evidencias/{evidence_id}/retirar", data={"csrf_token": token, "reason": REASON})
    admin = signed_in(app, make_user, "purga@jalisco.gob.mx", "admin")
    token = csrf_token(admin, f"/evidencias/{evidence_id}")
    r = admin.post(f"/admin/evidencias/{evidence_id}/purgar", data={"csrf_token": token, "reason": "Solicitud ARCO"},
                   follow_redirects=True)
    assert "purgado" in r.get_data(as_text=True)
    return staff


def test_purge_removes_every_copy_of_a_photo(app, client, staff_token, make_user, worker, tmp_path):
    """The thumbnail and the copy without metadata hold the photo too: a purge leaves none of them behind
    (and `check` finds no stray file afterwards)."""
    from evidence_repo.evidence.models import EvidenceFile
    from tests.samples import make_photo

    photo = make_photo(tmp_path / "foto.jpg")
    evidence_id = upload_file(client, staff_token, "foto.jpg", photo.read_bytes(), milestone=11,
                              means="Memoria fotográfica")
    worker.drain()
    with services(app).sessions() as s:
        f = s.scalars(select(EvidenceFile).where(EvidenceFile.evidence_id == evidence_id)).one()
        copies = {f.sha256, f.public_sha256, f.thumbnail_sha256}
    assert None not in copies and len(copies) == 3
    store = services(app).blobs
    assert all(store.exists(sha) for sha in copies)
    _withdraw_and_purge(app, make_user, evidence_id)
    assert not any(store.exists(sha) for sha in copies)
    check = app.test_cli_runner().invoke(args=["check"])
    assert check.exit_code == 0, check.output


def test_purge_forgets_the_public_version_too(app, client, staff_token, make_user, worker):
    """Purged evidence keeps no readable copy: not its versión pública's bytes, text or search entry."""
    from evidence_repo.evidence.models import PublicVersion

    evidence_id = upload(client, staff_token, 6, "Lista de asistencia", "Lista con firmas de Xochiquetzal",
                         visibility="restricted")
    staff = signed_in(app, make_user, "testado@jalisco.gob.mx", "staff")
    token = csrf_token(staff, f"/evidencias/{evidence_id}")
    staff.post(f"/personal/evidencias/{evidence_id}/version-publica", content_type="multipart/form-data",
               data={"csrf_token": token, "file": (io.BytesIO(b"Lista testada tlapalizquixochitl"), "testada.txt")})
    worker.drain()
    sha = hashlib.sha256(b"Lista testada tlapalizquixochitl").hexdigest()
    store = services(app).blobs
    assert store.exists(sha)
    staff = _withdraw_and_purge(app, make_user, evidence_id)
    worker.drain()
    assert not store.exists(sha)
    assert staff.get(f"/evidencias/{evidence_id}/descargar?publica=1").status_code == 410
    page = staff.get(f"/evidencias/{evidence_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "tlapalizquixochitl" not in html
    assert "Purgada con la evidencia" in html and "publica=1" not in html  # no link to bytes that are gone
    assert staff.get("/api/v1/search", query_string={"q": "tlapalizquixochitl"}).get_json()["total"] == 0
    assert staff.get("/api/v1/search", query_string={"q": "Xochiquetzal"}).get_json()["total"] == 0
    with services(app).sessions() as s:
        version = s.scalars(select(PublicVersion).where(PublicVersion.evidence_id == evidence_id)).one()
        assert version.purged_at is not None and version.text is None and version.sha256 == sha
        purge = s.scalars(select(AuditRecord).where(AuditRecord.action == "evidence.purge")).one()
    assert {"public_version": True, "sha256": sha, "size": 32, "file_name": "testada.txt"} in purge.before["files"]
    runner = app.test_cli_runner()
    check = runner.invoke(args=["check"])
    assert check.exit_code == 0, check.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
