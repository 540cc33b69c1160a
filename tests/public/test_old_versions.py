"""Replacing a file must be able to take personal data back: older versions of public evidence are for staff,
unless an admin publishes one (audited)."""
import io

import pytest
from sqlalchemy import select

from evidence_repo.audit import AuditRecord
from evidence_repo.services import services
from tests.helpers import csrf_token, login, upload

OLD = "curp-vieja-zapotlanejo"
NEW = "version-testada"


@pytest.fixture
def replaced(app, client, staff_token, make_user):
    """Public evidence whose first version (with personal data) was replaced by a redacted one."""
    evidence_id = upload(client, staff_token, 11, "Informe final", f"Lista con {OLD}")
    make_user("staff@jalisco.gob.mx", "staff")
    staff = app.test_client()
    login(staff, "staff@jalisco.gob.mx")
    r = staff.post(f"/personal/evidencias/{evidence_id}/reemplazar", content_type="multipart/form-data",
                   data={"csrf_token": csrf_token(staff, f"/personal/evidencias/{evidence_id}/editar"),
                         "replace-file": (io.BytesIO(f"Lista {NEW}".encode()), "lista.txt")})
    assert r.status_code == 302
    return evidence_id, staff


def test_the_public_cannot_download_a_replaced_version(client, replaced):
    evidence_id, _staff = replaced
    r = client.get(f"/evidencias/{evidence_id}/descargar?version=1")
    assert r.status_code == 404 and OLD.encode() not in r.get_data()
    assert NEW.encode() in client.get(f"/evidencias/{evidence_id}/descargar").get_data()
    assert NEW.encode() in client.get(f"/evidencias/{evidence_id}/descargar?version=2").get_data()
    page = client.get(f"/evidencias/{evidence_id}").get_data(as_text=True)
    assert "version=1" not in page
    api = client.get(f"/api/v1/evidence/{evidence_id}").get_json()
    assert [v["version"] for v in api["versions"]] == [2]


def test_staff_still_download_every_version(replaced):
    evidence_id, staff = replaced
    r = staff.get(f"/evidencias/{evidence_id}/descargar?version=1")
    assert r.status_code == 200 and OLD.encode() in r.get_data()
    assert r.headers["Cache-Control"].startswith("private")
    assert "version=1" in staff.get(f"/evidencias/{evidence_id}").get_data(as_text=True)


def test_an_admin_publishes_an_old_version_with_a_reason(app, client, replaced, make_user):
    evidence_id, staff = replaced
    url = f"/admin/evidencias/{evidence_id}/versiones/1/publicar"
    token = csrf_token(staff, f"/evidencias/{evidence_id}")
    assert staff.post(url, data={"csrf_token": token, "reason": "x"}).status_code == 403
    make_user("admin@jalisco.gob.mx", "admin")
    admin = app.test_client()
    login(admin, "admin@jalisco.gob.mx")
    token = csrf_token(admin, f"/evidencias/{evidence_id}")
    r = admin.post(url, data={"csrf_token": token, "reason": ""}, follow_redirects=True)
    assert "motivo" in r.get_data(as_text=True).lower()
    assert client.get(f"/evidencias/{evidence_id}/descargar?version=1").status_code == 404
    r = admin.post(url, data={"csrf_token": token, "reason": "No contiene datos personales"}, follow_redirects=True)
    assert r.status_code == 200
    r = client.get(f"/evidencias/{evidence_id}/descargar?version=1")
    assert r.status_code == 200 and OLD.encode() in r.get_data()
    with services(app).sessions() as session:
        rows = session.scalars(select(AuditRecord).where(AuditRecord.action == "evidence.publish_version")).all()
    assert [(r.entity_id, r.after["version"], r.after["reason"]) for r in rows] == [
        (evidence_id, 1, "No contiene datos personales")]
