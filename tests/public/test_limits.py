"""Anonymous reports and searches are limited per address; reports are made once per data generation."""
import io

import pytest
from docx import Document

from evidence_repo import create_app
from evidence_repo.bootstrap import prepare
from evidence_repo.services import services
from tests.helpers import PASSWORD, count_queries, login

C = "/compromisos/jalisco-apoyo-organizaciones-sociedad-civil"


@pytest.fixture
def limited(tmp_path):
    app = create_app({"DATA_DIR": tmp_path / "d", "TESTING": True, "SEARCH_RATE_LIMIT": "3 per minute",
                      "REPORT_RATE_LIMIT": "2 per minute"})
    prepare(app, index=False)
    yield app
    services(app).close()


def from_address(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_anonymous_searches_are_limited_per_address_with_a_spanish_page(limited):
    client = from_address(limited, "203.0.113.7")
    for path in ("/buscar?q=acta", "/api/v1/search?q=acta", "/buscar?q=minuta"):  # the site and the API share one count
        assert client.get(path).status_code == 200
    r = client.get("/buscar?q=otra")
    assert r.status_code == 429
    page = r.get_data(as_text=True)
    assert "Demasiadas solicitudes desde su dirección" in page and 'class="error-page"' in page
    assert int(r.headers["Retry-After"]) > 0
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    api = client.get("/api/v1/search?q=acta")
    assert api.status_code == 429 and "Demasiadas solicitudes" in api.get_json()["error"]["message"]
    english = client.get("/buscar?q=acta&lang=en")
    assert "Too many requests from your address" in english.get_data(as_text=True)
    assert from_address(limited, "198.51.100.2").get("/buscar?q=acta").status_code == 200  # another address


def test_signed_in_staff_and_tokens_are_not_limited(limited):
    from evidence_repo.accounts.operations import create_user
    from evidence_repo.accounts.tokens import create_token

    with services(limited).sessions() as s:
        user = create_user(s, "personal@jalisco.gob.mx", PASSWORD, "staff")
        _, token = create_token(s, user, "script")
        s.commit()
    client = from_address(limited, "203.0.113.8")
    login(client, "personal@jalisco.gob.mx")
    assert all(client.get("/buscar?q=acta").status_code == 200 for _ in range(5))
    script = from_address(limited, "203.0.113.9")
    headers = {"Authorization": f"Bearer {token}"}
    assert all(script.get("/api/v1/search?q=acta", headers=headers).status_code == 200 for _ in range(5))
    assert script.get("/api/v1/search?q=acta", headers={"Authorization": "Bearer er_falso"}).status_code in (401, 429)


def test_anonymous_reports_are_limited_per_address(limited):
    client = from_address(limited, "203.0.113.10")
    assert client.get(C + "/cumplimiento/informe.pdf").status_code == 200
    assert client.get("/cumplimiento/informe.docx").status_code == 200
    assert client.get(C + "/cumplimiento/informe.docx").status_code == 429
    assert client.get(C + "/cumplimiento.csv").status_code == 200  # the CSV is cheap and cached: not limited


def test_a_report_is_made_once_per_data_generation(app, client, staff_token):
    url = C + "/cumplimiento/informe.docx"
    first = client.get(url)
    assert first.status_code == 200
    with count_queries(services(app).engine) as statements:
        again = client.get(url)
    assert again.data == first.data
    assert not [s for s in statements if "evidence_review" in s], statements  # nothing re-read to render it
    r = client.post("/api/v1/evidence", headers={"Authorization": f"Bearer {staff_token}"},  # the data moves on
                    content_type="multipart/form-data",
                    data={"milestone": "3", "means": "Minuta", "title": "Minuta de la mesa de ornitorrincos",
                          "file": (io.BytesIO(b"Minuta de la mesa"), "minuta.txt")})
    assert r.status_code == 201
    changed = client.get(url)
    text = "\n".join(p.text for p in Document(io.BytesIO(changed.data)).paragraphs)
    tables = "\n".join(c.text for t in Document(io.BytesIO(changed.data)).tables for r in t.rows for c in r.cells)
    assert changed.data != first.data and "ornitorrincos" in (text + tables).lower()
