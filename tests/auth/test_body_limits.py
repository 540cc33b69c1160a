"""Large bodies only reach the upload views, from uploaders; everyone else is answered from the headers."""
import io

import pytest

from tests.helpers import csrf_token, login

BIG = 100 * 1024 * 1024


class CountingBody(io.RawIOBase):
    """A request body of ``size`` bytes made on demand, remembering how much of it the server read."""

    def __init__(self, size: int):
        self.size, self.position, self.read_bytes = size, 0, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:  # the test client measures the body by seeking to its end and back
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = {0: offset, 1: self.position + offset, 2: self.size + offset}[whence]
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        n = max(0, min(len(buffer), self.size - self.position))
        buffer[:n] = b"x" * n
        self.position += n
        self.read_bytes += n
        return n


def post_big(client, path: str, size: int = BIG, **headers):
    body = CountingBody(size)
    r = client.post(path, input_stream=body, content_length=size,
                    content_type="multipart/form-data; boundary=frontera", headers=headers)
    return r, body.read_bytes


def test_an_anonymous_upload_is_refused_before_its_body_is_read(client):
    r, read = post_big(client, "/api/v1/evidence")
    assert r.status_code == 401 and "token" in r.get_json()["error"]["message"]
    assert read == 0
    r, read = post_big(client, "/api/v1/evidence", Authorization="Bearer er_falso")
    assert r.status_code == 401 and read == 0
    r, read = post_big(client, "/personal/subir")
    assert r.status_code == 302 and "/ingresar" in r.headers["Location"] and read == 0
    r, read = post_big(client, "/personal/evidencias/1/reemplazar")
    assert r.status_code == 302 and read == 0


def test_a_signed_in_reader_without_upload_rights_gets_403_unread(client, make_user):
    make_user("comite@jalisco.gob.mx", "committee")
    login(client, "comite@jalisco.gob.mx")
    r, read = post_big(client, "/personal/subir")
    assert r.status_code == 403 and read == 0
    assert "No tiene permiso" in r.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/ingresar", "/salir", "/comite/evidencias/1/revisar", "/admin/metas/3/requisito",
                                  "/buscar", "/"])
def test_every_other_route_takes_a_small_body(client, path):
    r, read = post_big(client, path, size=5 * 1024 * 1024)
    assert r.status_code in (405, 413), (path, r.status_code)
    assert read == 0
    if r.status_code == 413:
        assert "La solicitud es demasiado grande: el máximo es 1024 KB." in r.get_data(as_text=True)


def test_uploaders_still_send_files_larger_than_the_form_limit(client, staff_token, make_user):
    three_mb = b"Lista de asistencia\n" + b"0123456789abcdef\n" * (3 * 1024 * 1024 // 17)
    r = client.post("/api/v1/evidence", headers={"Authorization": f"Bearer {staff_token}"},
                    content_type="multipart/form-data",
                    data={"milestone": "3", "means": "Minuta", "file": (io.BytesIO(three_mb), "grande.txt")})
    assert r.status_code == 201, r.get_data(as_text=True)
    make_user("personal@jalisco.gob.mx", "staff")
    login(client, "personal@jalisco.gob.mx")
    r = client.post("/personal/subir", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/personal/subir"), "commitment": "jalisco-apoyo-organizaciones-sociedad-civil",
        "milestone": "3", "means": "Lista de asistencia", "visibility": "public",
        "files": (io.BytesIO(three_mb + b"otra"), "grande2.txt")})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
