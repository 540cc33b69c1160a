"""Every programme in one place: from the home page to a second commitment's milestone and its proof."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from tests.plan.test_many_plans import OTHER

OTHER_C = OTHER["commitments"][0]["slug"]
SHOTS = Path("screenshots")  # gitignored; looked at by people, not asserted


@pytest.fixture(scope="module")
def second_plan(live_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("plans")
    plan = folder / "becas.yaml"
    plan.write_text(yaml.safe_dump(OTHER, allow_unicode=True, sort_keys=False), encoding="utf-8")
    live_server.cli("plan", "import", str(plan))
    padron = folder / "padron-becas-2025.txt"
    padron.write_text("Padrón de personas beneficiarias del programa Becas 2025", encoding="utf-8")
    evidence = live_server.upload(padron, milestone="2", means="Padrón publicado", commitment=OTHER_C,
                                  title="Padrón de Becas 2025", date="2025-03-01")
    live_server.wait_until_processed(evidence["id"])
    return evidence


def test_home_to_a_second_commitments_milestone_and_its_proof(live_server, second_plan, page):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=2, name="Plan de transparencia del programa Becas 2025")).to_be_visible()
    page.get_by_role("link", name="Padrón abierto del programa Becas").click()
    expect(page).to_have_url(live_server.url + f"/compromisos/{OTHER_C}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Padrón abierto del programa Becas")
    expect(page.locator("article.milestone")).to_have_count(3)
    page.get_by_role("link", name="Ver pruebas de la meta 2").click()
    expect(page).to_have_url(live_server.url + f"/compromisos/{OTHER_C}/metas/2#evidencias")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Meta 2"))
    page.get_by_role("link", name="Padrón de Becas 2025").click()
    expect(page).to_have_url(live_server.url + f"/evidencias/{second_plan['id']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Padrón de Becas 2025")
    back = page.get_by_role("navigation", name="Ruta")
    expect(back.get_by_role("link", name="Meta 2")).to_have_attribute("href", f"/compromisos/{OTHER_C}/metas/2")
    back.get_by_role("link", name=re.compile("Padrón abierto")).click()
    expect(page).to_have_url(live_server.url + f"/compromisos/{OTHER_C}")


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots_of_the_programme_pages(live_server, second_plan, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="es-MX")
    page = context.new_page()
    SHOTS.mkdir(exist_ok=True)
    for name, path in [("home", "/"), ("commitment", f"/compromisos/{OTHER_C}"), ("portfolio", "/cumplimiento")]:
        page.goto(live_server.url + path)
        page.screenshot(path=str(SHOTS / f"programmes-{name}-{width}.png"), full_page=True)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{path} scrolls sideways at {width}px ({scroll}px)"
    context.close()
