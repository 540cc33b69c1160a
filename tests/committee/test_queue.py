"""A committee member works through "Pendientes de revisión": oldest first, filtered, and after each decision the
next item of the same filtered queue opens; an empty queue says so."""
from __future__ import annotations

import re

import pytest

from tests.helpers import csrf_token, login, upload_titled

SLUG = "jalisco-apoyo-organizaciones-sociedad-civil"


@pytest.fixture
def member(app, make_user):
    make_user("comite@jalisco.gob.mx", "committee")
    client = app.test_client()
    login(client, "comite@jalisco.gob.mx")
    return client


def decide(member, item_url, state, comment=""):
    page = member.get(item_url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    action = re.search(r'<form method="post" action="([^"]+)" class="review-form"', html).group(1)
    data = {k: v.replace("&amp;", "&") for k, v in form.items()} | {"state": state, "comment": comment}
    return member.post(action, data=data)


def test_member_goes_from_item_to_next_item_in_the_filtered_queue(client, staff_token, member):
    first = upload_titled(client, staff_token, 6, "Memoria fotográfica", "Fotos de la sesión 6")
    other = upload_titled(client, staff_token, 3, "Convocatoria", "Convocatoria de la meta 3")
    second = upload_titled(client, staff_token, 6, "Minuta", "Minuta de la sesión 6", visibility="restricted")

    queue = member.get(f"/comite/pendientes?compromiso={SLUG}&meta=6").get_data(as_text=True)
    assert "Fotos de la sesión 6" in queue and "Minuta de la sesión 6" in queue
    assert "Convocatoria de la meta 3" not in queue
    assert queue.index("Fotos de la sesión 6") < queue.index("Minuta de la sesión 6")  # oldest first
    start = re.search(r'href="([^"]+)">Empezar a revisar', queue).group(1).replace("&amp;", "&")
    assert start == f"/comite/pendientes/{first}?compromiso={SLUG}&meta=6"
    assert "Pendiente 1 de 2" in member.get(start).get_data(as_text=True)

    r = decide(member, start, "validada")
    assert r.status_code == 302
    assert r.headers["Location"].startswith(f"/comite/pendientes/siguiente?despues={first}")
    nxt = member.get(r.headers["Location"])
    assert nxt.headers["Location"] == f"/comite/pendientes/{second}?compromiso={SLUG}&meta=6"
    page = member.get(nxt.headers["Location"]).get_data(as_text=True)
    assert f"La evidencia #{first} quedó validada." in page and "Pendiente 1 de 1" in page

    refused = decide(member, nxt.headers["Location"], "observada")  # no comment: back to the same item
    assert refused.headers["Location"] == nxt.headers["Location"]
    assert "escriba qué está mal" in member.get(refused.headers["Location"]).get_data(as_text=True)

    done = decide(member, nxt.headers["Location"], "observada", "Falta la firma")
    empty = member.get(member.get(done.headers["Location"]).headers["Location"])
    text = empty.get_data(as_text=True)
    assert empty.request.path == "/comite/pendientes" and "meta=6" in empty.request.query_string.decode()
    assert "No hay evidencias pendientes de revisión con estos filtros." in text
    assert f"La evidencia #{second} quedó observada." in text
    assert "Convocatoria de la meta 3" in member.get("/comite/pendientes").get_data(as_text=True)
    assert other


def test_skip_goes_on_and_wraps_round(client, staff_token, member):
    a = upload_titled(client, staff_token, 6, "Memoria fotográfica", "Primera")
    b = upload_titled(client, staff_token, 6, "Minuta", "Segunda")
    assert member.get(f"/comite/pendientes/siguiente?despues={a}").headers["Location"] == f"/comite/pendientes/{b}"
    assert member.get(f"/comite/pendientes/siguiente?despues={b}").headers["Location"] == f"/comite/pendientes/{a}"
    assert member.get("/comite/pendientes/siguiente").headers["Location"] == f"/comite/pendientes/{a}"


def test_empty_queue_says_so(member):
    text = member.get("/comite/pendientes").get_data(as_text=True)
    assert "No hay evidencias pendientes de revisión: el comité está al día." in text
    assert "Empezar a revisar" not in text
    assert member.get("/comite/pendientes/siguiente").headers["Location"] == "/comite/pendientes"


BAD_QUERIES = ["pagina=99999999999999999999", "pagina=-3", "pagina=abc", "meta=x&medio=%C2%B2",
               "despues=99999999999999999999", "despues=2147483647", "compromiso=no-existe",
               "pagina=2147483647&meta=2147483648"]


def test_bad_values_never_fail(client, staff_token, member):
    upload_titled(client, staff_token, 6, "Minuta", "Minuta")
    for query in BAD_QUERIES:
        for path in ("/comite/pendientes", "/comite/pendientes/siguiente", "/comite/pendientes/1"):
            r = member.get(f"{path}?{query}")
            assert r.status_code in (200, 302), (path, query, r.status_code)


def test_staff_and_public_cannot_use_the_queue(app, client, staff_token, make_user):
    restricted = upload_titled(client, staff_token, 6, "Minuta", "Minuta con datos", visibility="restricted")
    anonymous = app.test_client()
    for path in ("/comite/pendientes", f"/comite/pendientes/{restricted}", "/comite/pendientes/siguiente"):
        r = anonymous.get(path)
        assert r.status_code == 302 and "/ingresar" in r.headers["Location"]
        assert "Minuta con datos" not in r.get_data(as_text=True)
    make_user("editor@jalisco.gob.mx", "staff")
    staff = app.test_client()
    login(staff, "editor@jalisco.gob.mx")
    assert staff.get("/comite/pendientes").status_code == 403
    assert "Por revisar" not in staff.get("/personal/evidencias").get_data(as_text=True)


def test_menu_links_to_the_queue_for_the_committee(member):
    html = member.get("/").get_data(as_text=True)
    assert 'href="/comite/pendientes"' in html and "Por revisar" in html
    assert csrf_token(member, "/comite/pendientes")
