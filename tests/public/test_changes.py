"""'Cambios al plan': when, what, before → after and the reason, per commitment; never who, never evidence."""
import re

import pytest

from tests.helpers import BECAS, import_plan, move_first_session_of_milestone_3

JALISCO_C = "jalisco-apoyo-organizaciones-sociedad-civil"
REASON = "El comité pidió mover la reunión por el periodo vacacional"


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def moved(app, client, make_user, tmp_path):
    import_plan(app, tmp_path)
    move_first_session_of_milestone_3(app, make_user, REASON)


def test_the_page_shows_a_date_change_with_before_after_and_reason(client, moved):
    r = client.get(f"/compromisos/{JALISCO_C}/cambios")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    page = text_of(html)
    assert "Cambios al plan" in page and "Sujeto a cambios" in page  # the plan's note
    first = page.index("Meta 3")
    assert "Fecha 2019-10-17 → cambió a 2019-10-24" in page[first:]
    assert f"Motivo: {REASON}" in page
    assert "admin.secreta" not in html and "@jalisco" not in html.replace("mailto:", "")
    assert 'name="viewport"' in html  # readable on a phone: the base layout's viewport plus stacking rows


def test_the_page_of_another_commitment_does_not_show_it(client, moved):
    page = text_of(client.get(f"/compromisos/{BECAS['commitments'][0]['slug']}/cambios").get_data(as_text=True))
    assert REASON not in page and "Segundo programa" in page  # its own import, with its reason


def test_unknown_commitment_is_404(client):
    assert client.get("/compromisos/nada/cambios").status_code == 404


def test_the_page_in_english(client, moved):
    page = text_of(client.get(f"/compromisos/{JALISCO_C}/cambios", query_string={"lang": "en"})
                   .get_data(as_text=True))
    assert "Changes to the plan" in page and "Reason:" in page and "Date" in page
