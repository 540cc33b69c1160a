"""Anyone can check a download against the manifest and see that history only moves forward; the activity page
lists public events without personal data and nothing about restricted evidence."""
from __future__ import annotations

import csv
import hashlib
import io

import pytest

from tests.helpers import csrf_token, login, upload

SECRET = "xochiquetzalli"
PUBLIC_WORD = "informe abierto"


@pytest.fixture
def items(app, client, staff_token, make_user):
    """A public item (replaced once), a restricted one, and a public one that staff withdrew."""
    public_id = upload(client, staff_token, 11, "Informe final", f"{PUBLIC_WORD} uno")
    restricted_id = upload(client, staff_token, 6, "Lista de asistencia", f"Firma {SECRET}", visibility="restricted")
    gone_id = upload(client, staff_token, 10, "Informe final", "informe retirado")
    make_user("staff@jalisco.gob.mx", "staff")
    staff = app.test_client()
    login(staff, "staff@jalisco.gob.mx")
    token = csrf_token(staff, f"/personal/evidencias/{public_id}/editar")
    staff.post(f"/personal/evidencias/{public_id}/reemplazar", content_type="multipart/form-data",
               data={"csrf_token": token, "replace-file": (io.BytesIO(f"{PUBLIC_WORD} dos".encode()), "i.txt")})
    staff.post(f"/personal/evidencias/{restricted_id}/retirar", data={"csrf_token": token, "reason": "restringida"})
    staff.post(f"/personal/evidencias/{gone_id}/retirar", data={"csrf_token": token, "reason": "Duplicada"})
    return public_id, restricted_id, gone_id


def test_manifest_lists_public_files_and_the_chain_head(client, items):
    public_id, restricted_id, gone_id = items
    data = client.get("/manifiesto.json").get_json()
    assert [(f["evidence_id"], f["version"]) for f in data["files"]] == [(public_id, 2)]
    entry = data["files"][0]
    download = client.get(entry["download_url"])
    assert hashlib.sha256(download.get_data()).hexdigest() == entry["sha256"] and entry["size"] == len(download.data)
    head = data["audit_chain_head"]
    assert len(head["sha256"]) == 64 and head["record_id"] > 0
    rows = list(csv.reader(io.StringIO(client.get("/manifiesto.csv").get_data(as_text=True))))
    assert rows[0] == ["kind", "evidence_id", "version", "file_name", "sha256", "size", "date"]
    assert [r[:3] for r in rows[1:-1]] == [["file", str(public_id), "2"]]
    assert rows[-1][0] == "audit_chain_head" and rows[-1][4] == head["sha256"]


def test_the_head_only_moves_forward(client, staff_token, items):
    before = client.get("/manifiesto.json").get_json()["audit_chain_head"]
    upload(client, staff_token, 11, "Informe final", "otro informe")
    after = client.get("/manifiesto.json").get_json()["audit_chain_head"]
    assert after["record_id"] > before["record_id"] and after["sha256"] != before["sha256"]


def test_activity_shows_public_events_without_personal_data(client, items):
    public_id, restricted_id, gone_id = items
    html = client.get("/actividad").get_data(as_text=True)
    assert f'href="/evidencias/{public_id}"' in html and "Archivo reemplazado" in html
    assert "Evidencia retirada" in html and "motivo: Duplicada" in html and f"Evidencia #{gone_id}" in html
    assert f"/evidencias/{restricted_id}" not in html and f"#{restricted_id}<" not in html
    assert "restringida" not in html.lower().replace("evidencia restringida", "")
    assert "jalisco.gob.mx" not in html and "staff@" not in html and "carga@" not in html
    assert "informe retirado" not in html
    assert client.get("/actividad?antes=zz").status_code == 200
    assert client.get("/actividad?antes=99999999999999999999999").status_code == 400
