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


def test_numbers_people_cannot_mean_are_a_clear_answer_not_a_500(client, staff_token):
    """``"²".isdigit()`` is true but ``int("²")`` fails, and ``int`` refuses more than 4,300 digits: every number
    read from a request goes through ``inputs.whole_number``."""
    huge, superscript = "9" * 5000, "%C2%B2"
    for value in (huge, superscript):
        for url in (f"/api/v1/search?q=acta&page={value}", f"/api/v1/evidence?page={value}",
                    f"/api/v1/commitments/jalisco-apoyo-organizaciones-sociedad-civil/agreements?milestone={value}"):
            r = client.get(url)
            assert r.status_code == 400 and "debe ser un número" in r.get_json()["error"]["message"], url
        for url in (f"/buscar?q=acta&page={value}", f"/buscar?q=acta&milestone={value}",
                    f"/buscar?q=acta&year={value}"):
            assert client.get(url).status_code in (200, 400), url
    for activity in ("²", huge):
        r = client.post("/api/v1/evidence", headers={"Authorization": f"Bearer {staff_token}"},
                        content_type="multipart/form-data",
                        data={"milestone": "3", "means": "Minuta", "activity": activity,
                              "file": (io.BytesIO(b"texto"), "minuta.txt")})
        assert r.status_code == 400 and "La actividad no es válida." in r.get_data(as_text=True)
