"""Messy and hostile files: each is stored with a status that says what happened, or clearly refused.

Nothing answers 500, nothing hangs, and a stored file is always kept byte for byte (the public downloads a photo
without its EXIF).
"""
import hashlib
import io

import pytest

from tests import samples

TEXT = "Minuta de la reunión de seguimiento: se acordó revisar el padrón de beneficiarios."


def upload(client, token, path, name=None, **fields):
    data = {"milestone": "3", "means": "Minuta", **fields, "file": (io.BytesIO(path.read_bytes()), name or path.name)}
    return client.post("/api/v1/evidence", data=data, headers={"Authorization": f"Bearer {token}"},
                       content_type="multipart/form-data")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    return {
        "scanned": samples.make_scanned_pdf(d / "lista-escaneada.pdf", "LISTA DE ASISTENCIA REUNION DE SEGUIMIENTO"),
        "photo": samples.make_photo(d / "foto.jpg", "MEMORIA FOTOGRAFICA"),
        "docx": samples.make_docx(d / "relatoria.docx", ["Relatoría de la mesa"], table_rows=[["Acuerdo", "Padrón"]]),
        "pptx": samples.make_pptx(d / "ponentes.pptx", [("Presentación de los ponentes", "Gobierno abierto")], notes=["Notas del ponente"]),
        "xlsx": samples.make_xlsx(d / "asistencia.xlsx", [["Nombre", "Dependencia"], ["Ana", "SSAS"]]),
        "truncated": samples.make_truncated_pdf(d / "truncado.pdf", TEXT),
        "encrypted": samples.make_encrypted_pdf(d / "cifrado.pdf", TEXT, password="secreta"),
        "owner_only": samples.make_encrypted_pdf(d / "solo-dueno.pdf", TEXT + " abierto", password=""),
        "bomb": samples.make_docx_zip_bomb(d / "bomba.docx"),
        "big_png": samples.make_big_png(d / "enorme.png"),
        "mislabelled": samples.make_photo(d / "en-realidad-foto.pdf", "FOTO CON OTRO NOMBRE"),
    }


@pytest.mark.parametrize("key, status, words, error", [
    ("scanned", "ocr", ["asistencia"], None),
    ("photo", "ocr", ["memoria"], None),
    ("docx", "extracted", ["relatoría", "padrón"], None),
    ("pptx", "extracted", ["ponentes", "notas del ponente"], None),
    ("xlsx", "extracted", ["ssas"], None),
    ("truncated", None, [], None),
    ("encrypted", "failed", [], "cifrado"),
    ("owner_only", "extracted", ["abierto"], None),
    ("bomb", "failed", [], "límites de descompresión"),
    ("big_png", "failed", [], "demasiado grande"),
    ("mislabelled", "ocr", ["foto"], None),
])
def test_every_file_is_kept_with_an_honest_status(client, staff_token, worker, session, hostile, key, status, words,
                                                  error):
    from evidence_repo.evidence.models import EvidenceFile

    path = hostile[key]
    r = upload(client, staff_token, path)
    assert r.status_code == 201, r.get_data(as_text=True)
    evidence_id = r.get_json()["id"]
    worker.drain()
    shown = client.get(f"/api/v1/evidence/{evidence_id}").get_json()
    if status:
        assert shown["text_status"] == status, (shown["text_status"], shown["text_error"])
    else:
        assert shown["text_status"] in {"extracted", "failed", "empty"}
    if error:
        assert error in shown["text_error"]
    text = (session.get(EvidenceFile, evidence_id).text or "").lower()
    for word in words:
        assert word in text
    original = path.read_bytes()
    stored = session.get(EvidenceFile, evidence_id)
    assert stored.sha256 == hashlib.sha256(original).hexdigest()  # kept byte for byte
    download = client.get(f"/evidencias/{evidence_id}/descargar")
    if key == "big_png":  # too large for Pillow to strip its metadata: never public, kept for staff
        assert download.status_code == 404 and "metadatos" in download.get_data(as_text=True)
    elif stored.public_sha256:  # a photo: the public gets its copy without EXIF, staff the original
        assert hashlib.sha256(download.data).hexdigest() == stored.public_sha256 != stored.sha256
    else:
        assert download.status_code == 200 and download.data == original
    page = client.get(f"/evidencias/{evidence_id}")
    assert page.status_code == 200
    if error:
        assert error in page.get_data(as_text=True)


def test_mislabelled_file_is_recorded_with_its_real_type(client, staff_token, hostile):
    r = upload(client, staff_token, hostile["mislabelled"])
    assert r.get_json()["mime_type"] == "image/jpeg"


@pytest.mark.parametrize("content, name, status, message", [
    (b"", "vacio.pdf", 400, "vacío"),
    (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 500, "informe.pdf", 415, "Tipo de archivo no admitido"),
    (b"MZ\x90\x00\x03" + b"\x00" * 500, "minuta.docx", 415, "Tipo de archivo no admitido"),
    (b"<?php system($_GET['c']); ?>", "shell.php", 415, "Tipo de archivo no admitido"),
    (b"<html><script>alert(1)</script></html>", "pagina.html", 201, None),
    (b"Acta: <script>alert(1)</script> fin", "acta.txt", 201, None),
])
def test_refusals_are_clear(client, staff_token, tmp_path, content, name, status, message):
    path = tmp_path / "f"
    path.write_bytes(content)
    r = upload(client, staff_token, path, name=name)
    assert r.status_code == status
    if message:
        assert message in r.get_json()["error"]["message"]
    else:
        # text that looks like HTML is allowed, but only ever served as a plain-text attachment
        download = client.get(r.get_json()["download_url"].replace("http://localhost", ""))
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert download.mimetype == "text/plain"
