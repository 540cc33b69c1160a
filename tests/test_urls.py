"""Crafted paths and query strings end in the app's own 404/400 (or the page itself), never in a 500."""
import re

import pytest

from tests.helpers import PASSWORD, login, upload

PLAN = "plan-accion-local-jalisco-2019"
C = "jalisco-apoyo-organizaciones-sociedad-civil"
HUGE = ["99999999999999999999999", str(2**63), str(2**31)]


def assert_own_answer(r, *codes):
    """The status is one of ``codes``, with the security headers and the app's own page (or JSON error)."""
    assert r.status_code in codes, (r.request.path, r.status_code, r.get_data(as_text=True)[:300])
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    body = r.get_data(as_text=True)
    if r.status_code >= 400:
        if r.request.path.startswith("/api/"):
            assert r.get_json()["error"]["code"] == r.status_code
        else:
            assert 'class="error-page"' in body and "Volver al inicio" in body


@pytest.fixture
def evidence_id(client, staff_token):
    return upload(client, staff_token, 3, "Lista de asistencia", "Asistentes a la sesión")


def test_the_crafted_addresses_of_the_security_review(client, evidence_id):
    assert_own_answer(client.get("/?_method=POST"), 400)  # url_for's keywords are nobody's argument
    assert_own_answer(client.get("/?utm_source=boletin"), 200)  # an argument the home page ignores
    r = client.get("/metas/3?number=abc")
    assert_own_answer(r, 302)
    assert r.headers["Location"] == f"/compromisos/{C}/metas/3"
    r = client.get(f"/evidencias/{evidence_id}?evidence_id=zz")
    assert_own_answer(r, 200)
    assert f'href="/evidencias/{evidence_id}?evidence_id=zz&amp;lang=en"' in r.get_data(as_text=True)
    assert_own_answer(client.get("/evidencias/4?evidence_id=zz"), 404)
    assert_own_answer(client.get("/evidencias/99999999999999999999999"), 404)
    assert_own_answer(client.get("/api/v1/evidence/99999999999999999999"), 404)
    # the same id under another method of that address: still no such evidence (not "method not allowed")
    assert_own_answer(client.patch("/api/v1/evidence/99999999999999999999", json={}), 404)
    assert_own_answer(client.delete("/api/v1/evidence/5"), 405)  # a real address without DELETE
    assert_own_answer(client.get("/api/v1/evidence?page=99999999999999999"), 400)
    assert_own_answer(client.get("/api/v1/evidence?page=99999999999999999999999999&per_page=100"), 400)


def test_old_addresses_keep_the_query_string_but_not_arguments_that_collide(client):
    r = client.get("/metas/3?lang=en&number=7&commitment_slug=x&_private=1&pagina=2")
    assert r.headers["Location"] == f"/compromisos/{C}/metas/3?lang=en&pagina=2"
    r = client.get("/plan?commitment_slug=zz&lang=en")
    assert r.headers["Location"] == f"/compromisos/{C}?lang=en"


def _values(rule, evidence_id: int) -> dict:
    known = {"plan_slug": PLAN, "commitment_slug": C, "slug": C, "number": 3, "evidence_id": evidence_id,
             "fmt": "csv", "filename": "app.css", "page": 1, "agreement_id": 1, "observation_id": 1}
    return {name: known[name] if name != "fmt" else "pdf" for name in rule.arguments}


@pytest.mark.parametrize("who", ["anonymous", "staff"])
def test_every_page_survives_arguments_that_collide_with_its_own(app, client, make_user, evidence_id, who):
    """Each GET route, its path values real, with query arguments named like its path values and like
    url_for's own keywords: the page still answers (the language link carries them as plain text)."""
    if who == "staff":
        make_user("personal@jalisco.gob.mx", "staff")
        login(client, "personal@jalisco.gob.mx")
    crafted = {"_private": "POST", "endpoint": "x", "values": "x"}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = _values(rule, evidence_id)
        path = rule.build(values, append_unknown=False)[1]
        query = dict(crafted, **{name: "zz" for name in rule.arguments})
        r = client.get(path, query_string=query)
        assert r.status_code < 500, (path, r.status_code)
        assert "Content-Security-Policy" in r.headers
        for name in re.findall(r"<int:(\w+)>", rule.rule):
            for huge in HUGE:
                assert_own_answer(client.get(rule.build(dict(values, **{name: huge}))[1]), 404)


@pytest.fixture
def configured(tmp_path):
    """An app told its public address and the host names it answers to."""
    from evidence_repo import create_app
    from evidence_repo.bootstrap import prepare
    from evidence_repo.services import services

    app = create_app({"DATA_DIR": tmp_path / "site", "TESTING": True,
                      "BASE_URL": "https://evidencias.jalisco.gob.mx/portal",
                      "TRUSTED_HOSTS": ["evidencias.jalisco.gob.mx", "localhost"]})
    prepare(app, index=False)
    yield app
    services(app).close()


def _token(app) -> str:
    from evidence_repo.accounts.operations import create_user
    from evidence_repo.accounts.tokens import create_token
    from evidence_repo.services import services

    with services(app).sessions() as session:
        _, plaintext = create_token(session, create_user(session, "carga@jalisco.gob.mx", PASSWORD, "staff"), "t")
        session.commit()
    return plaintext


def test_absolute_links_come_from_the_configured_address_not_the_host_header(configured):
    from evidence_repo.services import services

    client = configured.test_client()
    evidence_id = upload(client, _token(configured), 3, "Minuta", "Minuta de la sesión de capacitación")
    services(configured).new_worker().drain()
    site = "https://evidencias.jalisco.gob.mx/portal/"
    headers = {"Host": "localhost"}  # trusted, but links still name the public address
    item = client.get(f"/api/v1/evidence/{evidence_id}", headers=headers).get_json()
    assert item["url"] == f"{site}evidencias/{evidence_id}"
    assert item["download_url"] == f"{site}evidencias/{evidence_id}/descargar"
    listed = client.get("/api/v1/evidence", headers=headers).get_json()["results"][0]
    assert listed["url"] == f"{site}evidencias/{evidence_id}"
    hit = client.get("/api/v1/search?q=capacitación", headers=headers).get_json()["results"][0]
    assert hit["url"] == f"{site}evidencias/{evidence_id}"
    feed = client.get("/feed.atom", headers=headers).get_data(as_text=True)
    assert f'href="{site}evidencias/{evidence_id}"' in feed and "localhost" not in feed
    page = client.get(f"/evidencias/{evidence_id}", headers=headers).get_data(as_text=True)  # sharing tags too
    assert f'property="og:url" content="{site}evidencias/{evidence_id}"' in page
    assert "http://localhost" not in page


def test_a_foreign_host_header_is_refused_with_the_apps_own_page(configured):
    client = configured.test_client()
    for path in ("/feed.atom", "/", "/api/v1/evidence"):
        r = client.get(path, headers={"Host": "evil.example"})
        assert_own_answer(r, 400)
        assert "evil.example" not in r.get_data(as_text=True)
    assert client.get("/feed.atom", headers={"Host": "evidencias.jalisco.gob.mx"}).status_code == 200


def test_a_base_url_that_is_not_an_address_stops_the_start(tmp_path):
    from evidence_repo import create_app

    with pytest.raises(ValueError, match="EVIDENCE_REPO_BASE_URL"):
        create_app({"DATA_DIR": tmp_path / "x", "BASE_URL": "evidencias.jalisco.gob.mx"})
