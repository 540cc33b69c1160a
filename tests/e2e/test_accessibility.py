"""axe-core on every page and state people reach (#13 C9): the public pages, and staff, committee and admin at work,
each at 1280 and 360 px, in Spanish and in English (the language switch). Any WCAG 2.1 A/AA violation fails.

One browser; one page per reader, resized in place (so each state is loaded once per language). The evidence
page's viewer (#13 C6) is driven by the keyboard here too, and the evidence pages are screenshotted."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import samples
from tests.e2e import axe
from tests.helpers import PASSWORD

C = "/compromisos/jalisco-apoyo-organizaciones-sociedad-civil"
PLAN = "/planes/plan-accion-local-jalisco-2019"
WIDTHS = {1280: 900, 360: 760}
LANGUAGES = {"es_MX": "es-MX", "en": "en"}
SHOTS = Path("screenshots")


@pytest.fixture(scope="module")
def items(live_server, tmp_path_factory):
    """A three-page minuta, a photo and a restricted list on milestone 3; an admin account."""
    folder = tmp_path_factory.mktemp("a11y")
    live_server.cli("user", "add", "admin@jalisco.gob.mx", "--role", "admin", "--password-stdin",
                    input=PASSWORD + "\n")
    pdf = samples.make_text_pdf(folder / "minuta-sesion.pdf", "Minuta de la mesa de trabajo. " * 400)
    photo = samples.make_photo(folder / "foto-sesion.jpg", "MEMORIA FOTOGRAFICA")
    secret = samples.make_text_pdf(folder / "lista.pdf", "Lista de asistencia con domicilios.")
    restricted = live_server.upload(secret, milestone="3", means="Lista de asistencia", visibility="restricted",
                                    title="Lista de asistencia firmada")["id"]
    made = {
        "pdf": live_server.upload(pdf, milestone="3", means="Minuta", date="2019-10-17",
                                  title="Minuta de la primera sesión")["id"],
        "photo": live_server.upload(photo, milestone="3", means="Memoria fotográfica", date="2019-10-17",
                                    title="Foto de la primera sesión")["id"],
    }
    for evidence_id in made.values():  # the restricted list (not visible to this anonymous check) went first
        assert live_server.wait_until_processed(evidence_id)["text_status"] != "pending"
    made["restricted"] = restricted
    return made


@pytest.fixture
def reader(browser):
    """A page for one reader; CSP bypassed only so axe-core can be injected into it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-MX", bypass_csp=True)
    yield context.new_page()
    context.close()


class Sweep:
    """Runs axe on the page's current state at every width, collecting what it finds (all reported at once)."""

    def __init__(self, page, lang: str):
        self.page, self.lang, self.found, self.states = page, lang, [], 0

    def check(self, label: str, widths=tuple(WIDTHS)) -> None:
        for width in widths:
            self.page.set_viewport_size({"width": width, "height": WIDTHS[width]})
            self.states += 1
            for violation in axe.violations(self.page):
                self.found.append(f"[{self.lang} {width}px] {label} ({self.page.url}): {violation}")
        self.page.set_viewport_size({"width": 1280, "height": 900})

    def visit(self, server, *paths: str) -> None:
        for path in paths:
            response = self.page.goto(server.url + path)
            assert response is not None and response.status < 500, path
            self.check(path)


def switch_language(page, server, lang: str) -> None:
    page.goto(server.url + f"/?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", LANGUAGES[lang])


def sign_in(page, server, email: str) -> None:
    page.goto(server.url + "/ingresar")
    page.locator("input[type=email], input[name=email]").first.fill(email)
    page.locator("input[type=password]").first.fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header .user-email")).to_be_visible()


def sweep_languages(page, server, walk) -> list[str]:
    found, states = [], 0
    for lang in LANGUAGES:
        switch_language(page, server, lang)
        sweep = Sweep(page, lang)
        walk(sweep)
        found += sweep.found
        states += sweep.states
    assert states >= 8, "the sweep looked at too few page states"
    return found


def assert_clean(found: list[str]) -> None:
    assert not found, f"{len(found)} axe-core violation(s):\n" + "\n".join(found)


# ------------------------------------------------------------------------------------------------- the public

def test_public_pages_and_states(live_server, reader, items):
    server, page = live_server, reader

    def walk(sweep: Sweep) -> None:
        sweep.visit(server, "/", "/plan", PLAN, C, C + "/cambios", C + "/cumplimiento",
                    C + "/cumplimiento?estado=vencida", C + "/metas/3", C + "/metas/11", "/cumplimiento",
                    "/buscar", "/buscar?q=minuta", "/buscar?q=minuta&meta=3", "/buscar?q=xqzwv", "/actividad",
                    f"/evidencias/{items['pdf']}", f"/evidencias/{items['pdf']}?q=minuta",
                    f"/evidencias/{items['photo']}", "/ingresar", f"/evidencias/{items['restricted']}",
                    "/evidencias/999999")
        page.goto(server.url + "/ingresar")
        page.locator("input[type=email], input[name=email]").first.fill("nadie@jalisco.gob.mx")
        page.locator("input[type=password]").first.fill("equivocada")
        page.locator("main form button[type=submit]").click()
        sweep.check("a failed sign-in")
        # the phone menu, open
        page.goto(server.url + C + "/cumplimiento")
        page.set_viewport_size({"width": 360, "height": 760})
        page.locator("button.menu-toggle").click()
        sweep.check("the phone menu, open", widths=(360,))
        # the viewer, open on a photo and on a PDF page
        page.goto(server.url + f"/evidencias/{items['photo']}")
        page.locator("a[data-viewer]").first.click()
        expect(page.locator("dialog.viewer")).to_be_visible()
        sweep.check("the viewer, open on a photo")
        page.keyboard.press("Escape")
        page.goto(server.url + f"/evidencias/{items['pdf']}")
        page.locator("a[data-viewer]").nth(1).click()
        expect(page.locator("dialog.viewer")).to_be_visible()
        sweep.check("the viewer, open on page 2 of a PDF")

    assert_clean(sweep_languages(page, server, walk))


def test_the_viewer_opens_with_the_keyboard_and_closes_with_escape(live_server, reader, items):
    page = reader
    page.goto(live_server.url + f"/evidencias/{items['photo']}")
    photo = page.get_by_role("link", name="Foto: Foto de la primera sesión. Ampliar")
    photo.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Foto de la primera sesión")
    expect(dialog).to_be_visible()
    close = dialog.get_by_role("button", name="Cerrar")
    expect(close).to_be_focused()
    image = dialog.locator("img")
    expect(image).to_have_attribute("src", re.compile(rf"/evidencias/{items['photo']}/vista/1$"))
    page.wait_for_function("() => document.querySelector('dialog img').naturalWidth > 320")
    width = page.evaluate("document.querySelector('dialog img').getBoundingClientRect().width")
    assert width > 600, f"the photo opens at {width} px, not large"
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(photo).to_be_focused()  # back where the reader was

    page.goto(live_server.url + f"/evidencias/{items['pdf']}")
    pages = page.locator(".preview-pages img")
    expect(pages).to_have_count(3)
    for n in range(3):
        pages.nth(n).scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.querySelectorAll('.preview-pages img')].every(i => i.naturalWidth > 0)")
    page.get_by_role("link", name=re.compile("Página 3 de «Minuta de la primera sesión»")).click()
    expect(page.get_by_role("dialog", name="Página 3 de «Minuta de la primera sesión»")).to_be_visible()
    page.get_by_role("button", name="Cerrar").click()
    expect(page.get_by_role("dialog")).to_be_hidden()

    SHOTS.mkdir(exist_ok=True)
    for name, evidence_id in (("pdf", items["pdf"]), ("photo", items["photo"])):
        for width, height in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            page.goto(live_server.url + f"/evidencias/{evidence_id}")
            page.evaluate("() => Promise.all([...document.images].map(i => i.decode().catch(() => null)))")
            page.screenshot(path=str(SHOTS / f"evidence-{name}-{width}.png"), full_page=True)
            assert page.evaluate("document.scrollingElement.scrollWidth") <= width, f"{name} scrolls sideways"


# ------------------------------------------------------------------------------------------- staff at work

def test_staff_pages_and_states(live_server, reader, items, tmp_path):
    server, page = live_server, reader
    sign_in(page, server, "staff@jalisco.gob.mx")
    edit = f"/personal/evidencias/{items['photo']}/editar"

    def walk(sweep: Sweep) -> None:
        sweep.visit(server, "/personal/subir", "/personal/subir?meta=3&medio=Minuta", "/personal/evidencias",
                    edit, "/cuenta", f"/evidencias/{items['restricted']}", f"/evidencias/{items['pdf']}",
                    C + "/metas/3", C + "/cumplimiento")
        page.goto(server.url + "/personal/subir")
        page.locator("main form button[type=submit]").click()  # nothing chosen: errors at the fields
        expect(page.locator(".field-error").first).to_be_visible()
        sweep.check("the upload form with errors")
        page.goto(server.url + "/cuenta")
        page.locator("main form button[type=submit]").first.click()
        expect(page.locator(".field-error").first).to_be_visible()
        sweep.check("the password form with errors")
        page.goto(server.url + C + "/cumplimiento")
        page.set_viewport_size({"width": 360, "height": 760})
        page.locator("button.menu-toggle").click()
        sweep.check("the phone menu of a signed-in reader, open", widths=(360,))

    found = sweep_languages(page, server, walk)
    # a new version: the evidence page lists versions, newest first
    switch_language(page, server, "es_MX")
    page.goto(server.url + edit)
    photo = samples.make_photo(tmp_path / "foto-v2.jpg", "MEMORIA FOTOGRAFICA CORREGIDA")
    page.locator("input[type=file]").set_input_files(str(photo))
    page.get_by_role("button", name="Subir versión nueva").click()
    expect(page.locator("ol.versions > li")).to_have_count(2)
    expect(page.locator("ol.versions > li").first).to_contain_text("Versión 2")
    expect(page.locator("ol.versions > li").first).to_contain_text("actual")
    for lang in LANGUAGES:
        switch_language(page, server, lang)
        sweep = Sweep(page, lang)
        sweep.visit(server, f"/evidencias/{items['photo']}")
        found += sweep.found
    assert_clean(found)


# -------------------------------------------------------------------------------------- the committee at work

def test_committee_pages_and_states(live_server, reader, items):
    server, page = live_server, reader
    sign_in(page, server, "comite@jalisco.gob.mx")
    evidence = f"/evidencias/{items['pdf']}"

    def walk(sweep: Sweep) -> None:
        sweep.visit(server, evidence, f"/evidencias/{items['restricted']}", "/personal/evidencias", "/cuenta",
                    C + "/cumplimiento", C + "/metas/3")
        page.goto(server.url + evidence)
        page.locator("#state-obs").check()
        page.locator("form.review-form button[type=submit]").click()  # observed without saying why: an error
        expect(page.locator(".alert-error, [role=alert]").first).to_be_visible()
        sweep.check("a review refused")
        page.locator("#state-obs").check()
        page.locator("#comment").fill("Falta la firma del comité de seguimiento.")
        page.locator("form.review-form button[type=submit]").click()
        expect(page.locator("ol.reviews")).to_contain_text("Falta la firma")
        sweep.check("a review recorded")

    assert_clean(sweep_languages(page, server, walk))


# ------------------------------------------------------------------------------------------- the admin at work

def test_admin_pages_and_states(live_server, reader, items):
    server, page = live_server, reader
    sign_in(page, server, "admin@jalisco.gob.mx")
    page.goto(server.url + f"/personal/evidencias/{items['restricted']}/editar")
    page.locator(f"form[action$='/{items['restricted']}/retirar'] [name=reason]").fill("Contiene domicilios")
    page.locator(f"form[action$='/{items['restricted']}/retirar'] button[type=submit]").click()
    expect(page.locator("section.notice")).to_be_visible()  # withdrawn: the purge form is offered

    def walk(sweep: Sweep) -> None:
        sweep.visit(server, "/admin/usuarios", "/admin/metas/3", f"/admin/metas/3?compromiso={C.rsplit('/', 1)[1]}",
                    f"/evidencias/{items['restricted']}", f"/evidencias/{items['photo']}", "/personal/evidencias",
                    "/cuenta", f"/personal/evidencias/{items['pdf']}/editar", C + "/metas/3")

    assert_clean(sweep_languages(page, server, walk))
