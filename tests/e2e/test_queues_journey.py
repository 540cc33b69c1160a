"""#13 A3 and C3 in Chromium: the committee works through "Pendientes de revisión" with "siguiente"; staff find
what the committee observed; an upload with a missing means says so at the field, with the focus there.
axe-core checks each page state at 1280 and 360 px; screenshots go to screenshots/queues/."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import samples
from tests.e2e import axe
from tests.helpers import PASSWORD

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 760}
SHOTS = Path("screenshots") / "queues"
C = "jalisco-apoyo-organizaciones-sociedad-civil"


@pytest.fixture
def page(browser):
    """CSP bypassed only so axe-core can be injected."""
    context = browser.new_context(viewport=DESKTOP, locale="es-MX", bypass_csp=True)
    yield context.new_page()
    context.close()


def sign_in(page, live_server, email):
    page.goto(live_server.url + "/ingresar")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_role("status")).to_contain_text("Sesión iniciada")


def check_both_widths(page, name):
    """axe-core finds nothing at desktop and phone width; a screenshot of each to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("1280", DESKTOP), ("360", PHONE)):
        page.set_viewport_size(size)
        found = axe.violations(page)
        assert not found, f"axe-core on {page.url} ({label} px):\n" + "\n".join(found)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"], f"{page.url} scrolls sideways at {label} px ({width} px)"
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def test_committee_works_through_the_queue_with_siguiente(live_server, page, tmp_path):
    def pdf(name, text):
        return samples.make_text_pdf(tmp_path / name, text)

    first = live_server.upload(pdf("fotos-6.pdf", "Memoria fotográfica de la mesa 6."), milestone="6",
                               means="Memoria fotográfica", title="Memoria de la mesa 6")
    elsewhere = live_server.upload(pdf("conv-3.pdf", "Convocatoria de la meta 3."), milestone="3",
                                   means="Convocatoria", title="Convocatoria de la meta 3")
    second = live_server.upload(pdf("minuta-6.pdf", "Minuta de la mesa 6."), milestone="6", means="Minuta",
                                title="Minuta de la mesa 6", visibility="restricted")

    sign_in(page, live_server, "comite@jalisco.gob.mx")
    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Por revisar").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pendientes de revisión")
    page.get_by_label("Meta", exact=True).select_option("6")
    page.get_by_role("button", name="Filtrar").click()
    expect(page).to_have_url(re.compile(r"meta=6"))
    rows = page.locator("table.review-queue tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Memoria de la mesa 6")  # oldest first
    expect(page.locator("table.review-queue")).not_to_contain_text("Convocatoria de la meta 3")
    check_both_widths(page, "committee-queue")
    page.set_viewport_size(PHONE)  # on a phone the list comes first, the filters behind a button
    expect(page.locator("#filtros-cola")).to_be_hidden()
    page.get_by_role("button", name="Filtros (1)").click()
    expect(page.get_by_label("Meta", exact=True)).to_be_visible()
    page.set_viewport_size(DESKTOP)

    page.get_by_role("link", name="Empezar a revisar").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Memoria de la mesa 6")
    expect(page.locator(".queue-position")).to_have_text("Pendiente 1 de 2")
    check_both_widths(page, "committee-item")
    page.get_by_label("Validada: prueba lo que dice").check()
    page.get_by_role("button", name="Registrar y pasar a la siguiente").click()

    expect(page.get_by_role("status").first).to_contain_text(f"La evidencia #{first['id']} quedó validada")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Minuta de la mesa 6")  # siguiente, same filter
    expect(page).to_have_url(re.compile(rf"/comite/pendientes/{second['id']}\?.*meta=6"))
    page.get_by_label("Observada: tiene un problema (explíquelo)").check()
    page.get_by_role("button", name="Registrar y pasar a la siguiente").click()
    expect(page.get_by_role("alert")).to_contain_text("escriba qué está mal")  # refused: still this item
    expect(page.get_by_role("heading", level=1)).to_contain_text("Minuta de la mesa 6")
    page.get_by_label("Observada: tiene un problema (explíquelo)").check()
    page.get_by_label("Comentario").fill("Falta la firma del secretario técnico.")
    page.get_by_role("button", name="Registrar y pasar a la siguiente").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Pendientes de revisión")
    expect(page.locator(".empty-state")).to_have_text(re.compile("No hay evidencias pendientes de revisión con estos "
                                                                 "filtros."))
    check_both_widths(page, "committee-queue-empty")
    page.get_by_role("link", name="Ver todas las pendientes").click()
    expect(page.locator("table.review-queue")).to_contain_text("Convocatoria de la meta 3")
    assert elsewhere["id"]

    # staff see what was observed, with the committee's words, and can edit it from the row
    page.context.clear_cookies()
    sign_in(page, live_server, "staff@jalisco.gob.mx")
    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Observadas").click()
    row = page.locator("table.staff-list tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Minuta de la mesa 6")
    expect(row).to_contain_text("Falta la firma del secretario técnico.")
    check_both_widths(page, "staff-observed")
    page.goto(live_server.url + "/personal/evidencias?orden=titulo&visibilidad=public")
    expect(page.locator("table.staff-list tbody tr").first).to_contain_text("Convocatoria de la meta 3")
    check_both_widths(page, "staff-list")
    page.get_by_role("link", name="Editar «Convocatoria de la meta 3»").click()
    expect(page).to_have_url(re.compile(rf"/personal/evidencias/{elsewhere['id']}/editar"))


def test_upload_with_a_missing_means_says_so_at_the_field(live_server, page, tmp_path):
    minuta = samples.make_text_pdf(tmp_path / "minuta-5.pdf", "Minuta de la reunión del comité.")
    lista = samples.make_text_pdf(tmp_path / "lista-5.pdf", "Lista de asistencia de la reunión del comité.")
    sign_in(page, live_server, "staff@jalisco.gob.mx")
    page.goto(live_server.url + "/personal/subir")
    page.get_by_label("Meta", exact=True).select_option("5")
    expect(page.locator(".file-picker")).to_have_text(re.compile("Elegir archivos.*Ningún archivo elegido"))
    page.get_by_label("Archivos").set_input_files([str(minuta)])
    expect(page.locator("#files-status")).to_have_text("minuta-5.pdf")
    page.get_by_role("button", name="Subir").click()

    means = page.get_by_label("Medio de verificación", exact=True)
    expect(means).to_be_focused()
    expect(means).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#means-error")).to_have_text("Elija el medio de verificación.")
    expect(means).to_have_accessible_description(re.compile("Elija el medio de verificación"))
    expect(page.locator("#upload-progress")).to_be_hidden()  # nothing was sent
    check_both_widths(page, "upload-missing-means")

    # a refusal only the server can make (a date in the future) goes to its field too, with a red bar
    means.select_option("Minuta")
    page.get_by_label("Fecha de la sesión").fill("2099-01-01")
    page.get_by_role("button", name="Subir").click()
    date = page.get_by_label("Fecha de la sesión")
    expect(date).to_be_focused()
    expect(page.locator("#date-error")).to_contain_text("no puede estar en el futuro")
    expect(page.locator("#means-error")).to_have_count(0)
    failed = page.locator(".upload-item.failed progress")
    expect(failed).to_have_count(1)
    colour = failed.evaluate("bar => getComputedStyle(bar).accentColor")
    assert colour == "rgb(163, 32, 32)", colour  # --error, not the brand's green
    check_both_widths(page, "upload-server-error")

    # two files, each with its own means
    date.fill("2019-11-20")
    means.select_option("")
    page.get_by_label("Archivos").set_input_files([str(minuta), str(lista)])
    each = page.locator("#file-means")
    expect(each.get_by_role("combobox")).to_have_count(2)
    page.get_by_role("button", name="Subir").click()
    expect(means).to_be_focused()
    expect(page.locator("#means-error")).to_contain_text("uno para cada archivo")
    each.get_by_label("Medio de «minuta-5.pdf»").select_option("Minuta")
    page.get_by_role("button", name="Subir").click()
    second = each.get_by_label("Medio de «lista-5.pdf»")
    expect(second).to_be_focused()
    expect(second).to_have_attribute("aria-invalid", "true")
    check_both_widths(page, "upload-per-file-means")
    second.select_option("Lista de asistencia")
    page.get_by_role("button", name="Subir").click()
    expect(page.locator(".upload-item.done")).to_have_count(2, timeout=30_000)
    page.get_by_role("link", name="Ver las evidencias de la meta").click()
    table = page.locator("table.evidence-table")
    expect(table.get_by_role("row", name=re.compile("minuta-5"))).to_contain_text("Minuta")
    expect(table.get_by_role("row", name=re.compile("lista-5"))).to_contain_text("Lista de asistencia")


def test_upload_form_in_english_has_no_spanish_words(live_server, page, tmp_path):
    sign_in(page, live_server, "staff@jalisco.gob.mx")
    page.goto(live_server.url + "/personal/subir?lang=en")
    page.get_by_label("Milestone", exact=True).select_option("5")
    page.get_by_label("Files").set_input_files([str(samples.make_text_pdf(tmp_path / "a.pdf", "uno")),
                                                str(samples.make_text_pdf(tmp_path / "b.pdf", "dos"))])
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#means-error")).to_have_text("Choose the means of verification here, or one for each "
                                                      "file below.")
    form = page.locator("#upload-form")
    expect(page.locator(".file-button")).to_have_text("Choose files")  # not the browser's own words
    expect(page.locator("#files-status")).to_have_text("2 files: a.pdf, b.pdf")
    expect(form).to_contain_text("Means of verification for each file")
    expect(page.locator("#file-means select").first.locator("option").first).to_have_text("Same as above")
    chrome = form.inner_text()
    for spanish in ("Elija", "Medio de", "archivo", "Subir", "arriba", "Meta "):
        assert spanish not in chrome, spanish
    check_both_widths(page, "upload-english")
