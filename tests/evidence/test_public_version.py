"""Versión pública: restricted evidence gets a redacted copy for the public; the public sees, downloads and searches
only that copy, staff see both, and every step is audited."""
from __future__ import annotations

import io

from sqlalchemy import select

from evidence_repo.audit import AuditRecord
from evidence_repo.evidence.integrity import check
from evidence_repo.services import services
from tests.helpers import csrf_token, login, upload

ORIGINAL = "Lista de asistencia. Nombre y firma: Xochiquetzal Ramírez, rosa.ramirez@example.mx"
REDACTED = "Lista de asistencia. Nombre y firma: [testado] tlapalizquixochitl"


def _staff(app, make_user):
    make_user("testado@jalisco.gob.mx", "staff")
    staff = app.test_client()
    login(staff, "testado@jalisco.gob.mx")
    return staff


def _add_public_version(staff, evidence_id: int, content: str, name: str = "lista-testada.txt"):
    token = csrf_token(staff, f"/evidencias/{evidence_id}")
    return staff.post(f"/personal/evidencias/{evidence_id}/version-publica", content_type="multipart/form-data",
                      data={"csrf_token": token, "file": (io.BytesIO(content.encode()), name)},
                      follow_redirects=True)


def test_the_public_gets_only_the_public_version(app, client, staff_token, make_user, worker):
    evidence_id = upload(client, staff_token, 6, "Lista de asistencia", ORIGINAL, visibility="restricted")
    worker.drain()
    assert client.get(f"/evidencias/{evidence_id}").status_code == 404  # restricted, no public version yet
    staff = _staff(app, make_user)
    page = staff.get(f"/evidencias/{evidence_id}").get_data(as_text=True)
    assert "Versión pública (testada)" in page and "El público no ve esta evidencia" in page

    r = _add_public_version(staff, evidence_id, REDACTED)
    assert "Se guardó la versión pública" in r.get_data(as_text=True)
    worker.drain()

    public_page = client.get(f"/evidencias/{evidence_id}").get_data(as_text=True)
    assert "tlapalizquixochitl" in public_page and "Versión pública (testada)" in public_page
    assert "Xochiquetzal" not in public_page and "rosa.ramirez" not in public_page
    download = client.get(f"/evidencias/{evidence_id}/descargar")
    assert download.status_code == 200 and download.get_data(as_text=True) == REDACTED
    assert client.get(f"/evidencias/{evidence_id}/descargar?version=1").status_code == 404
    hits = client.get("/api/v1/search", query_string={"q": "tlapalizquixochitl"}).get_json()
    assert [h["id"] for h in hits["results"]] == [evidence_id]
    assert client.get("/api/v1/search", query_string={"q": "Xochiquetzal"}).get_json()["total"] == 0
    activity = client.get("/actividad").get_data(as_text=True)
    assert "Versión pública (testada) publicada" in activity and "Xochiquetzal" not in activity
    api = client.get(f"/api/v1/evidence/{evidence_id}").get_json()
    assert api["is_public_version"] is True and api["file_name"] == "lista-testada.txt"
    assert "privacy_warnings" not in api  # a hint for staff, not for the public

    # staff see both: the original (page text, download) and the public version's card
    staff_page = staff.get(f"/evidencias/{evidence_id}").get_data(as_text=True)
    assert "Xochiquetzal" in staff_page and "lista-testada.txt" in staff_page
    assert staff.get(f"/evidencias/{evidence_id}/descargar").get_data(as_text=True) == ORIGINAL
    assert staff.get(f"/evidencias/{evidence_id}/descargar?publica=1").get_data(as_text=True) == REDACTED
    with services(app).sessions() as s:
        audited = s.scalars(select(AuditRecord).where(AuditRecord.action == "evidence.public_version")).one()
        assert audited.entity_id == evidence_id and audited.after["public_version"]["file_name"] == "lista-testada.txt"
        # `evidence-repo check` agrees: the public document of restricted evidence is no drift, its files no orphans
        report = check(s, services(app).blobs, services(app).index())
        assert not report.drifted and not report.orphan_files and not report.missing_files


def test_public_version_refusals_are_clear(app, client, staff_token, make_user):
    public_id = upload(client, staff_token, 6, "Minuta", "Minuta de la sesión")
    restricted_id = upload(client, staff_token, 6, "Lista de asistencia", ORIGINAL, visibility="restricted")
    staff = _staff(app, make_user)
    r = _add_public_version(staff, public_id, REDACTED)
    assert "esta ya es pública" in r.get_data(as_text=True)
    r = _add_public_version(staff, restricted_id, ORIGINAL)
    assert "Ese es el archivo original" in r.get_data(as_text=True)
    assert client.get(f"/evidencias/{restricted_id}").status_code == 404  # nothing was published


def test_a_withdrawn_item_hides_its_public_version(app, client, staff_token, make_user, worker):
    evidence_id = upload(client, staff_token, 6, "Lista de asistencia", ORIGINAL, visibility="restricted")
    staff = _staff(app, make_user)
    _add_public_version(staff, evidence_id, REDACTED)
    worker.drain()
    token = csrf_token(staff, f"/evidencias/{evidence_id}")
    staff.post(f"/personal/evidencias/{evidence_id}/retirar", data={"csrf_token": token, "reason": "Duplicada"})
    worker.drain()
    assert client.get(f"/evidencias/{evidence_id}").status_code == 404
    assert client.get(f"/evidencias/{evidence_id}/descargar").status_code == 404
    assert client.get("/api/v1/search", query_string={"q": "tlapalizquixochitl"}).get_json()["total"] == 0
    assert evidence_id not in {f["evidence_id"] for f in client.get("/manifiesto.json").get_json()["files"]}
