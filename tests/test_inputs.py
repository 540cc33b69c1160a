"""A NUL character in any input is a 400 with the app's own answer, never a 500 (PostgreSQL refuses U+0000)."""
from __future__ import annotations

import io


def test_nul_characters_are_refused_everywhere(client, staff_token):
    page = client.get("/buscar?q=padron&commitment=a%00b")
    assert page.status_code == 400 and "carácter nulo" in page.get_data(as_text=True)
    assert client.get("/api/v1/search?q=acta&plan=a%00b").status_code == 400
    assert client.get("/buscar?q=padr%00on").status_code == 200  # the search text ignores it
    r = client.post("/api/v1/evidence", headers={"Authorization": f"Bearer {staff_token}"},
                    content_type="multipart/form-data",
                    data={"milestone": "3", "means": "Minuta", "title": "Minuta\x00 de la sesión",
                          "file": (io.BytesIO(b"texto"), "minuta.txt")})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == 400
    assert client.get("/api/v1/evidence").get_json()["total"] == 0  # nothing was stored
