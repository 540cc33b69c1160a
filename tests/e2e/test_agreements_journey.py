"""The committee records an agreement at a meeting → staff answer it with evidence → the public sees it atendido.
Real server, real Chromium; axe-core checks each page state at desktop and phone width, and screenshots of each
are kept in screenshots/ for people to look at."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import samples
from tests.e2e import axe
from tests.helpers import PASSWORD

PAGE = "/compromisos/jalisco-apoyo-organizaciones-sociedad-civil/acuerdos"
WIDTHS = (1280, 360)
SHOTS = Path("screenshots")


@pytest.fixture
def open_page(browser):
    """A page of its own browser context (its own session); CSP bypassed only so axe-core can be injected."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-MX", bypass_csp=True)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/ingresar")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_role("button", name="Salir")).to_be_visible()


def check_state(page, name: str) -> None:
    """No axe violations and no sideways scroll at either width; a full-page screenshot of each."""
    SHOTS.mkdir(exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900 if width > 600 else 760})
        found = axe.violations(page)
        assert not found, f"axe-core on {name} at {width} px:\n" + "\n".join(found)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{name} scrolls sideways at {width} px ({scroll} px)"
        page.screenshot(path=str(SHOTS / f"agreements-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_committee_records_an_agreement_staff_answer_it_and_the_public_sees_it_atendido(live_server, open_page,
                                                                                         tmp_path):
    pdf = samples.make_text_pdf(tmp_path / "minuta-reunion-3.pdf", "Minuta de la reunión de seguimiento.")
    minuta = live_server.upload(pdf, milestone="3", means="Minuta", date="2019-10-17", title="Minuta de la meta 3")
    live_server.wait_until_processed(minuta["id"])

    committee = open_page()
    sign_in(committee, live_server.url, "comite@jalisco.gob.mx")
    committee.goto(live_server.url + "/compromisos/jalisco-apoyo-organizaciones-sociedad-civil")
    committee.get_by_role("link", name="Acuerdos del comité").click()
    expect(committee.get_by_role("heading", level=1)).to_have_text("Acuerdos del comité")
    check_state(committee, "committee-empty")
    committee.get_by_label("Reunión (meta)").select_option("3")
    committee.get_by_label("Acuerdo", exact=True).fill("Publicar la minuta de la reunión de seguimiento.")
    committee.get_by_label("Institución responsable").fill("Secretaría del Sistema de Asistencia Social")
    committee.get_by_label("Fecha compromiso").fill("31/02/2019")
    committee.get_by_role("button", name="Registrar acuerdo").click()
    expect(committee.get_by_role("alert")).to_have_text("Fecha inválida: «31/02/2019». Use AAAA-MM-DD o DD/MM/AAAA.")
    expect(committee.get_by_label("Fecha compromiso")).to_be_focused()
    expect(committee.get_by_label("Acuerdo", exact=True)).to_have_value("Publicar la minuta de la reunión de seguimiento.")
    check_state(committee, "committee-wrong-date")
    committee.get_by_label("Fecha compromiso").fill("15/11/2019")
    committee.get_by_role("button", name="Registrar acuerdo").click()
    expect(committee.get_by_role("status")).to_contain_text("Acuerdo 1 registrado")
    agreement = committee.locator("#acuerdo-1")
    expect(agreement).to_contain_text("Publicar la minuta de la reunión de seguimiento.")
    expect(agreement.locator(".status-chip")).to_have_text("✗ Vencido")  # due in 2019, not yet answered
    check_state(committee, "committee-recorded")

    staff = open_page()
    sign_in(staff, live_server.url, "staff@jalisco.gob.mx")
    staff.goto(live_server.url + PAGE)
    staff.locator("#acuerdo-1 summary").click()
    staff.get_by_label("Respuesta", exact=True).fill("La minuta se publicó en el repositorio.")
    staff.get_by_label(f"#{minuta['id']} Minuta de la meta 3").check()
    check_state(staff, "staff-answering")
    staff.get_by_role("button", name="Guardar respuesta").click()
    expect(staff.get_by_role("status")).to_contain_text("Acuerdo 1 respondido")

    public = open_page()
    public.goto(live_server.url + PAGE)
    agreement = public.locator("#acuerdo-1")
    expect(agreement.locator(".status-chip")).to_have_text("✓ Atendido")
    expect(agreement).to_contain_text("La minuta se publicó en el repositorio.")
    expect(public.get_by_role("button", name="Responder")).to_have_count(0)
    agreement.get_by_role("link", name=f"#{minuta['id']} Minuta de la meta 3").click()
    expect(public.get_by_role("heading", level=1)).to_contain_text("Minuta de la meta 3")
    public.go_back()
    check_state(public, "public-atendido")
