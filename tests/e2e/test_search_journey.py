"""A citizen searches without accents, filters by milestone, opens a result, sees highlights and downloads it."""
import re

from playwright.sync_api import expect

from tests import samples


def test_citizen_finds_the_minuta(live_server, page, tmp_path):
    minuta = samples.make_text_pdf(tmp_path / "minuta-padron.pdf",
                                   "Minuta: en la sesión se acordó la revisión del padrón de beneficiarios y la "
                                   "participación de la sociedad civil.")
    other = samples.make_text_pdf(tmp_path / "minuta-otra.pdf",
                                  "Minuta de otra meta: participación ciudadana en la plataforma MONAPP.")
    first = live_server.upload(minuta, milestone="6", means="Minuta", date="2019-11-25", title="Minuta del padrón")
    second = live_server.upload(other, milestone="7", means="Minuta", date="2019-12-13", title="Minuta de diciembre")
    for evidence_id in (first["id"], second["id"]):
        assert live_server.wait_until_processed(evidence_id)["text_status"] == "extracted"

    page.goto(live_server.url + "/")
    page.get_by_role("searchbox", name="Buscar en las evidencias").fill("participacion")
    page.get_by_role("searchbox", name="Buscar en las evidencias").press("Enter")
    expect(page.get_by_role("heading", name=re.compile("resultados? para «participacion»"))).to_be_visible()
    results = page.locator("ol.results > li")
    expect(results).to_have_count(2)
    expect(results.first.locator("mark").first).to_have_text(re.compile("participación", re.I))

    page.locator("aside.facets").get_by_role("link", name="Meta 6").click()
    expect(results).to_have_count(1)
    expect(page.locator("ul.chips")).to_contain_text("Meta 6")
    results.first.get_by_role("link", name="Minuta del padrón").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Minuta del padrón")
    expect(page.locator(".extracted-text mark").first).to_have_text(re.compile("participación", re.I))
    expect(page.get_by_text("SHA-256")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar").click()
    saved = tmp_path / "descargado.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes() == minuta.read_bytes()
    page.screenshot(path=str(tmp_path / "evidence.png"), full_page=True)


def test_typo_suggestion(live_server, page):
    page.goto(live_server.url + "/buscar?q=seguimento")
    suggestion = page.locator("p.suggestion")
    expect(suggestion).to_contain_text("¿Quisiste decir")
    suggestion.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"q=seguimiento"))
