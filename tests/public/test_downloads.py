"""Downloads and thumbnails: what caches may keep, and the name a file is saved under."""
import io

import pytest

from tests.helpers import csrf_token, login, upload_file
from tests.samples import make_text_pdf


@pytest.fixture
def staff(app, make_user):
    make_user("personal@jalisco.gob.mx", "staff")
    client = app.test_client()
    login(client, "personal@jalisco.gob.mx")
    return client


def cache_words(response) -> set[str]:
    return {w.strip().split("=")[0] for w in response.headers.get("Cache-Control", "").split(",")}


def test_restricted_downloads_and_thumbnails_are_never_stored_by_caches(client, staff, staff_token, worker,
                                                                        tmp_path):
    pdf = make_text_pdf(tmp_path / "acta.pdf", "Lista de asistencia con firmas").read_bytes()
    public = upload_file(client, staff_token, "acta.pdf", pdf)
    restricted = upload_file(client, staff_token, "lista.pdf", pdf + b"\n% otra copia\n", visibility="restricted")
    worker.drain()
    for path in ("descargar", "miniatura"):
        shared = client.get(f"/evidencias/{public}/{path}")
        assert shared.status_code == 200
        assert {"public", "max-age"} <= cache_words(shared)
        private = staff.get(f"/evidencias/{restricted}/{path}")
        assert private.status_code == 200
        assert cache_words(private) == {"private", "no-store"}
        assert client.get(f"/evidencias/{restricted}/{path}").status_code == 404


def test_an_older_version_is_not_kept_by_shared_caches(staff, staff_token, client):
    evidence_id = upload_file(client, staff_token, "acta.txt", b"version uno")
    edit = f"/personal/evidencias/{evidence_id}/editar"
    r = staff.post(f"/personal/evidencias/{evidence_id}/reemplazar", content_type="multipart/form-data",
                   data={"csrf_token": csrf_token(staff, edit),
                         "replace-file": (io.BytesIO(b"version dos"), "acta.txt")})
    assert r.status_code == 302
    assert cache_words(staff.get(f"/evidencias/{evidence_id}/descargar?version=1")) == {"private", "no-store"}
    assert "public" in cache_words(staff.get(f"/evidencias/{evidence_id}/descargar"))


@pytest.mark.parametrize(("uploaded", "saved"), [
    ("pagina.html", "pagina.txt"),
    ("truco.svg", "truco.txt"),
    ("sin-extension", "sin-extension.txt"),
    ("notas.TXT", "notas.TXT"),
])
def test_the_download_name_follows_the_detected_type(client, staff_token, uploaded, saved):
    evidence_id = upload_file(client, staff_token, uploaded,
                            b"<html><body><script>alert(1)</script> acta de la sesion</body></html>")
    r = client.get(f"/evidencias/{evidence_id}/descargar")
    assert r.mimetype == "text/plain"
    assert r.headers["Content-Disposition"] == f"attachment; filename={saved}"


def test_a_photo_named_like_a_pdf_downloads_as_a_jpeg(client, staff_token, tmp_path):
    from tests.samples import make_photo

    photo = make_photo(tmp_path / "foto.jpg").read_bytes()
    evidence_id = upload_file(client, staff_token, "informe.pdf", photo)
    r = client.get(f"/evidencias/{evidence_id}/descargar")
    assert r.mimetype == "image/jpeg"
    assert r.headers["Content-Disposition"] == "attachment; filename=informe.jpg"
