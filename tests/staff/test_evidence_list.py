"""The staff list: filters that combine and stay in the URL, sorting, bounded pages, an edit link per row, and
the "Observadas" (with the committee's comment) and "Mías" tabs."""
from __future__ import annotations

import re

import pytest

from tests.helpers import login, upload_titled

SLUG = "jalisco-apoyo-organizaciones-sociedad-civil"


@pytest.fixture
def staff(app, make_user):
    make_user("editor@jalisco.gob.mx", "staff")
    client = app.test_client()
    login(client, "editor@jalisco.gob.mx")
    return client


def rows(html):
    return re.findall(r'<th scope="row"[^>]*><a href="/evidencias/(\d+)"', html)


def test_filters_combine_stay_in_the_links_and_page(client, staff_token, staff):
    made = [upload_titled(client, staff_token, 6 if i % 2 else 3, "Minuta", f"Minuta {i:02d}") for i in range(30)]
    restricted = upload_titled(client, staff_token, 6, "Memoria fotográfica", "Fotos con rostros", visibility="restricted")
    html = staff.get(f"/personal/evidencias?compromiso={SLUG}&meta=6&texto=minuta&orden=titulo").get_data(as_text=True)
    listed = rows(html)
    assert listed == [str(i) for i in made[1::2]]  # 15 of milestone 6 by title: one page of 25
    assert "(15)" in html and 'class="pager' not in html
    assert f'<option value="{SLUG}" selected>' in html and '<option value="titulo" selected>' in html

    page1 = staff.get("/personal/evidencias?texto=minuta&orden=antiguas").get_data(as_text=True)
    assert rows(page1) == [str(i) for i in made[:25]]
    nxt = re.search(r'<a rel="next" href="([^"]+)"', page1).group(1).replace("&amp;", "&")
    assert "texto=minuta" in nxt and "orden=antiguas" in nxt and "pagina=2" in nxt
    assert rows(staff.get(nxt).get_data(as_text=True)) == [str(i) for i in made[25:]]
    assert str(restricted) in rows(staff.get("/personal/evidencias?visibilidad=restricted").get_data(as_text=True))
    for huge in ("99999999999999999999", "2147483647", "-1", "x", "²", "0"):
        r = staff.get(f"/personal/evidencias?pagina={huge}&meta={huge}&medio={huge}&subida_por={huge}&estado={huge}")
        assert r.status_code == 200, huge
    last = staff.get("/personal/evidencias?pagina=2147483647").get_data(as_text=True)
    assert "Página 2 de 2" in last  # clamped to the last page


def test_each_row_has_an_edit_action_and_the_committee_sees_none(app, client, staff_token, staff, make_user):
    evidence = upload_titled(client, staff_token, 6, "Minuta", "Minuta editable")
    html = staff.get("/personal/evidencias").get_data(as_text=True)
    assert f'href="/personal/evidencias/{evidence}/editar"' in html and "Editar «Minuta editable»" in html
    make_user("comite@jalisco.gob.mx", "committee")
    member = app.test_client()
    login(member, "comite@jalisco.gob.mx")
    html = member.get("/personal/evidencias").get_data(as_text=True)
    assert "Minuta editable" in html and "/editar" not in html


def test_observed_tab_shows_the_comment_and_mine_only_mine(app, client, staff_token, staff, make_user):
    observed = upload_titled(client, staff_token, 6, "Minuta", "Minuta sin firma")
    upload_titled(client, staff_token, 6, "Memoria fotográfica", "Fotos en orden")
    make_user("comite@jalisco.gob.mx", "committee")
    member = app.test_client()
    login(member, "comite@jalisco.gob.mx")
    page = member.get(f"/comite/pendientes/{observed}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    member.post(f"/comite/evidencias/{observed}/revisar",
                data={"csrf_token": token, "state": "observada", "comment": "Falta la firma del secretario."})

    html = staff.get("/personal/observadas").get_data(as_text=True)
    assert rows(html) == [str(observed)] and "Falta la firma del secretario." in html
    assert 'aria-current="page">Observadas' in html
    assert 'name="estado"' not in html  # the tab's own filter is not offered again
    assert rows(staff.get("/personal/mias").get_data(as_text=True)) == []  # uploaded with another account's token
    mine = staff.get("/personal/mias").get_data(as_text=True)
    assert "Todavía no ha subido evidencias." in mine
    uploader = app.test_client()
    login(uploader, "carga@jalisco.gob.mx")  # the account the token belongs to
    assert len(rows(uploader.get("/personal/mias").get_data(as_text=True))) == 2
    assert rows(uploader.get("/personal/mias?estado=observada").get_data(as_text=True)) == [str(observed)]
    assert 'href="/personal/observadas"' in staff.get("/").get_data(as_text=True)  # in the menu for staff


def test_restricted_evidence_never_reaches_the_public(app, client, staff_token):
    upload_titled(client, staff_token, 6, "Minuta", "Minuta reservada", visibility="restricted")
    anonymous = app.test_client()
    for path in ("/personal/evidencias", "/personal/observadas", "/personal/mias",
                 "/personal/evidencias?visibilidad=restricted"):
        r = anonymous.get(path)
        assert r.status_code == 302 and "/ingresar" in r.headers["Location"]
        assert "Minuta reservada" not in r.get_data(as_text=True)
