"""The public pages at desktop and phone width (#13 C): the compliance dashboard on a phone, the header, the
search on a phone, the focus ring, the CSS bugs of the audit, and home → a milestone's proof in two clicks.
Real server, real Chromium; axe-core checks every page state a test looks at (the full sweep of every page, role,
width and language: test_accessibility.py)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import samples
from tests.e2e import axe

C = "/compromisos/jalisco-apoyo-organizaciones-sociedad-civil"
PUBLIC_PAGES = ["/", "/plan", C, C + "/cumplimiento", C + "/metas/3", "/cumplimiento", "/buscar?q=minuta",
                "/ingresar"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 760}


@pytest.fixture
def open_page(browser):
    """A page at a given width; CSP bypassed only so axe-core can be injected into it."""
    contexts = []

    def make(viewport=DESKTOP, **options):
        context = browser.new_context(viewport=viewport, locale="es-MX", bypass_csp=True, **options)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def proof(live_server, tmp_path_factory):
    """One public minuta on milestone 6, the proof a citizen looks for."""
    pdf = samples.make_text_pdf(tmp_path_factory.mktemp("proof") / "minuta-meta-6.pdf",
                                "Minuta de la mesa de trabajo sobre el padrón de beneficiarios.")
    evidence = live_server.upload(pdf, milestone="6", means="Minuta", date="2019-11-25", title="Minuta de la meta 6")
    live_server.wait_until_processed(evidence["id"])
    return evidence


def assert_no_axe_violations(page):
    found = axe.violations(page)
    assert not found, f"axe-core on {page.url} ({page.viewport_size['width']} px):\n" + "\n".join(found)


def contrast(rgb1, rgb2):
    def luminance(rgb):
        channels = [c / 255 for c in rgb]
        channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    high, low = sorted((luminance(rgb1), luminance(rgb2)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def rgb(css: str) -> tuple[int, int, int]:
    r, g, b = (int(float(x)) for x in re.findall(r"[\d.]+", css)[:3])
    return r, g, b


# ------------------------------------------------------------------------------------------ C1 phone dashboard

def test_dashboard_on_a_phone_names_every_required_means(live_server, open_page):
    desktop = open_page(DESKTOP)
    desktop.goto(live_server.url + C + "/cumplimiento")
    columns = desktop.locator("table.matrix thead th.means-col").all_inner_texts()
    required = desktop.evaluate("""columns => [...document.querySelectorAll('table.matrix tbody tr')].map(tr => [
        tr.querySelector('th a').textContent.trim(),
        [...tr.querySelectorAll('td.cell')].map((td, i) => td.classList.contains('cell-no_requerido') ? null
            : [columns[i].trim(), td.querySelector('.cell-label').textContent.trim()]).filter(Boolean)])""", columns)
    assert len(required) == 11 and sum(len(cells) for _, cells in required) > 40
    assert_no_axe_violations(desktop)

    phone = open_page(PHONE)
    phone.goto(live_server.url + C + "/cumplimiento")
    expect(phone.locator("table.matrix")).to_be_hidden()
    for meta, cells in required:
        card = phone.locator(".matrix-phone > li").filter(has=phone.get_by_role("link", name=meta, exact=True))
        expect(card).to_have_count(1)
        for means, state in cells:
            row = card.locator(".phone-cells li").filter(has=phone.get_by_text(means, exact=True))
            expect(row, f"{meta}: {means}").to_be_visible()
            expect(row).to_contain_text(state)
    expect(phone.locator("svg.timeline")).to_be_hidden()
    timeline = phone.locator(".timeline-list li")
    expect(timeline).to_have_count(11)
    expect(timeline.first).to_contain_text("Meta 1")
    expect(timeline.first).to_contain_text("09/09/2019")
    expect(timeline.last).to_contain_text("Sin fecha")
    assert phone.evaluate("getComputedStyle(document.querySelector('.timeline-list li')).fontSize") == "16px"
    height = phone.evaluate("document.scrollingElement.scrollHeight")
    assert height < 7000, f"the dashboard is {height} px tall on a phone"
    assert_no_axe_violations(phone)


# ------------------------------------------------------------------------------------------------ C5 CSS bugs

def test_no_sideways_scroll_at_320_px(live_server, open_page):
    page = open_page({"width": 320, "height": 700})
    for path in PUBLIC_PAGES:
        page.goto(live_server.url + path)
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 320, f"{path} scrolls sideways at 320 px ({width} px wide)"


def test_matrix_headers_stay_in_their_column(live_server, open_page):
    page = open_page(DESKTOP)
    page.goto(live_server.url + C + "/cumplimiento")
    overflowing = page.evaluate("""() => [...document.querySelectorAll('table.matrix th.means-col')].filter(th => {
        const cell = th.getBoundingClientRect(), text = th.querySelector('span').getBoundingClientRect();
        return text.right > cell.right + 0.5 || text.left < cell.left - 0.5; }).map(th => th.textContent.trim())""")
    assert overflowing == [], f"headers running into the next column: {overflowing}"
    broken = page.evaluate("""() => [...document.querySelectorAll('table.matrix th.means-col span')].flatMap(span => {
        const text = span.firstChild, words = [], range = document.createRange();
        for (const m of text.data.matchAll(/\\S+/g)) {
            range.setStart(text, m.index); range.setEnd(text, m.index + m[0].length);
            if (range.getClientRects().length > 1) words.push(m[0]); }
        return words; })""")
    assert broken == [], f"words broken across lines in the matrix headers: {broken}"
    expect(page.locator("th.means-col", has_text="Informe de retroalimentación")).to_be_visible()


def test_timeline_labels_do_not_collide(live_server, open_page):
    page = open_page(DESKTOP)
    page.goto(live_server.url + C + "/cumplimiento")
    boxes = page.evaluate("""() => [...document.querySelectorAll('svg.timeline > text')].map(t => {
        const r = t.getBoundingClientRect(); return [t.textContent.trim(), r.left, r.right, r.top, r.bottom]; })""")
    undated = [b for b in boxes if b[0] == "Sin fecha"]
    assert undated, "the timeline says which milestones have no date"
    _, left, right, top, bottom = undated[0]
    clashes = [b[0] for b in boxes if b[0] != "Sin fecha" and b[1] < right and b[2] > left and b[3] < bottom
               and b[4] > top]
    assert clashes == [], f"'Sin fecha' overlaps {clashes}"


def test_missing_means_do_not_look_like_required_means(live_server, open_page):
    page = open_page(DESKTOP)
    page.goto(live_server.url + C + "/metas/3")
    style = """li => { const s = getComputedStyle(li), b = getComputedStyle(li, '::before');
                       return [s.backgroundColor, s.borderTopStyle, s.color, b.content]; }"""
    required = page.locator("ul.means:not(.missing-means) li", has_text="Minuta").evaluate(style)
    missing = page.locator("ul.missing-means li", has_text="Minuta").evaluate(style)
    assert missing[0] != required[0] and missing[2] != required[2]
    assert missing[1] == "dashed" and required[1] == "solid", "missing vs required must not rely on colour alone"
    assert "✗" in missing[3]
    assert_no_axe_violations(page)


# ----------------------------------------------------------------------------------------------- C8 focus ring

def test_focus_ring_contrasts_with_white_the_page_and_the_header(live_server, open_page):
    page = open_page(DESKTOP)
    page.goto(live_server.url + "/")
    seen = {}
    for _ in range(40):
        page.keyboard.press("Tab")
        where, colour, style, width, background = page.evaluate("""() => { const e = document.activeElement,
            s = getComputedStyle(e); return [e.closest('header') ? 'header' : e.closest('main') ? 'main' : 'other',
            s.outlineColor, s.outlineStyle, parseFloat(s.outlineWidth),
            getComputedStyle(e.closest('header') || document.body).backgroundColor]; }""")
        if where in ("header", "main") and where not in seen:
            assert style != "none" and width >= 2, f"no visible focus ring in the {where}"
            seen[where] = (rgb(colour), rgb(background))
        if len(seen) == 2:
            break
    assert set(seen) == {"header", "main"}
    ring, page_background = seen["main"]
    assert contrast(ring, (255, 255, 255)) >= 3, f"focus ring {ring} on white"
    assert contrast(ring, page_background) >= 3, f"focus ring {ring} on the page background {page_background}"
    ring, header_background = seen["header"]
    assert contrast(ring, header_background) >= 3, f"focus ring {ring} on the header {header_background}"


# --------------------------------------------------------------------------------------------------- C4 header

def test_header_has_one_height_and_a_folded_menu_on_phones(live_server, open_page):
    desktop = open_page(DESKTOP)
    heights = {}
    for path in PUBLIC_PAGES:
        desktop.goto(live_server.url + path)
        heights[path] = round(desktop.locator("header.site-header").bounding_box()["height"])
        expect(desktop.get_by_role("button", name="Menú")).to_be_hidden()
        expect(desktop.get_by_role("navigation", name="Principal").get_by_role("link", name="Plan y metas")).to_be_visible()
    assert len(set(heights.values())) == 1, f"the header changes height: {heights}"

    phone = open_page(PHONE)
    phone.goto(live_server.url + C + "/cumplimiento")
    header = phone.locator("header.site-header").bounding_box()["height"]
    assert header <= 130, f"the header takes {header} px of a 760 px phone screen"
    menu = phone.get_by_role("button", name="Menú", exact=True)
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(phone.get_by_role("searchbox", name="Buscar en las evidencias")).to_be_visible()
    plan_link = phone.get_by_role("navigation", name="Principal").get_by_role("link", name="Plan y metas")
    expect(plan_link).to_be_hidden()
    assert_no_axe_violations(phone)
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(plan_link).to_be_visible()
    assert_no_axe_violations(phone)
    plan_link.click()
    expect(phone).to_have_url(re.compile(re.escape(live_server.url) + "/(plan|compromisos/)"))

    without_js = open_page(PHONE, java_script_enabled=False)
    without_js.goto(live_server.url + "/")
    expect(without_js.get_by_role("button", name="Menú")).to_be_hidden()
    expect(without_js.get_by_role("navigation", name="Principal").get_by_role("link", name="Plan y metas")).to_be_visible()


# ------------------------------------------------------------------------------------------ C7 search on phones

def test_search_on_a_phone_shows_results_first_and_filters_behind_a_button(live_server, open_page, proof):
    phone = open_page(PHONE)
    phone.goto(live_server.url + "/buscar?q=minuta")
    results = phone.get_by_role("heading", name=re.compile("resultados? para «minuta»"))
    expect(results).to_be_in_viewport()
    first = phone.locator("ol.results > li").first.get_by_role("link").first
    expect(first).to_be_in_viewport()  # the first result, not only its count, is on the first screen
    filters = phone.get_by_role("button", name="Filtrar resultados")
    expect(filters).to_have_attribute("aria-expanded", "false")
    meta_6 = phone.locator("aside.facets").get_by_role("link", name="Meta 6")
    expect(meta_6).to_be_hidden()
    assert_no_axe_violations(phone)
    filters.click()
    expect(meta_6).to_be_visible()
    meta_6.click()
    chip = phone.locator("ul.chips a").filter(has_text="Meta 6")
    expect(chip).to_have_text(re.compile(r"^\s*Quitar el filtro\s+Meta: Meta 6 ×\s*$"))  # the first words hidden
    # the chip's accessible name contains what it shows (WCAG 2.5.3, axe's label-content-name-mismatch)
    expect(phone.get_by_role("link", name=re.compile(r"Quitar el filtro Meta: Meta 6"))).to_be_visible()
    expect(phone.locator("ol.results > li")).to_have_count(1)
    assert_no_axe_violations(phone)


# -------------------------------------------------------------------------------------- C2 home → proof in two

@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_home_to_a_milestones_proof_in_two_clicks(live_server, open_page, proof, viewport):
    page = open_page(viewport)
    page.goto(live_server.url + "/")
    card = page.locator(".milestone-card").filter(has=page.locator(".milestone-number", has_text=re.compile(r"^6$")))
    expect(card.locator(".status-chip")).to_be_visible()
    assert_no_axe_violations(page)
    card.get_by_role("link", name="Ver pruebas").click()  # click 1
    expect(page).to_have_url(re.compile(C + r"/metas/6"))
    proof_link = page.get_by_role("link", name="Minuta de la meta 6").first
    expect(proof_link).to_be_in_viewport()
    proof_link.click()  # click 2
    expect(page.get_by_role("heading", level=1)).to_contain_text("Minuta de la meta 6")
    expect(page.get_by_role("link", name="Descargar")).to_be_visible()


# ------------------------------------------------------------------------------------------ C6 print stylesheet

@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_printing_the_dashboard_a_milestone_and_an_evidence_page(live_server, open_page, proof, viewport):
    page = open_page(viewport)
    page.emulate_media(media="print")
    page.goto(live_server.url + C + "/cumplimiento")
    expect(page.locator("table.matrix")).to_be_visible()  # paper gets the whole matrix, even from a phone
    expect(page.locator(".matrix-phone")).to_be_hidden()
    for path in (C + "/cumplimiento", C + "/metas/6", f"/evidencias/{proof['id']}"):
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.locator("form.header-search")).to_be_hidden()
        expect(page.locator("#site-nav")).to_be_hidden()
        expect(page.locator("footer.site-footer")).to_be_hidden()
        expect(page.locator("main .button:visible")).to_have_count(0)
    expect(page.get_by_text("SHA-256")).to_be_visible()  # what proves the file stays on paper
    page.screenshot(path=str(Path("screenshots") / f"print-evidence-{viewport['width']}.png"), full_page=True)
