"""The milestone cards of the home, commitment and milestone pages are rendered once per compliance result and
language (`templating.memo`), so a reused rendering must never show another language or yesterday's data."""
from __future__ import annotations

import re

from tests.helpers import upload

SEED = "/compromisos/jalisco-apoyo-organizaciones-sociedad-civil"


def missing(html: str) -> list[str]:
    """The first "Faltan:" list in ``html``."""
    found = re.search(r'<ul class="means missing-means">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", found.group(1)) if found else []


def missing_of(html: str, number: int) -> list[str]:
    """The "Faltan:" list of milestone ``number``'s card on the commitment page."""
    card = html.split(f'id="meta-{number}"', 1)[1].split("</article>", 1)[0]
    found = re.search(r'<ul class="means missing-means">(.*?)</ul>', card, re.S)
    return re.findall(r"<li>(.*?)</li>", found.group(1)) if found else []


def test_each_language_gets_its_own_rendering(client):
    spanish = client.get(SEED + "?lang=es_MX").get_data(as_text=True)
    english = client.get(SEED + "?lang=en").get_data(as_text=True)
    assert "Ver pruebas" in spanish and "See evidence" not in spanish
    assert "See evidence" in english and "Ver pruebas" not in english
    assert "Ver pruebas" in client.get(SEED + "?lang=es_MX").get_data(as_text=True)


def test_cards_follow_new_evidence_at_once(client, staff_token):
    for path in (SEED, "/", SEED + "/metas/3"):  # every page that keeps a rendering, rendered once
        assert client.get(path).status_code == 200
    assert "Minuta" in missing_of(client.get(SEED).get_data(as_text=True), 3)

    upload(client, staff_token, 3, "Minuta", "Minuta de la sesión del comité")

    assert "Minuta" not in missing_of(client.get(SEED).get_data(as_text=True), 3)
    now = missing(client.get(SEED + "/metas/3").get_data(as_text=True))
    assert "Convocatoria" in now and "Minuta" not in now
