"""A citizen asks about a milestone; staff accept and answer it; the citizen, told by e-mail, reads the answer on
the milestone page (#13 A1 and B). Real server, real SMTP sink, real Chromium; axe-core on every page state, at
desktop and phone width, with screenshots in screenshots/."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import DATABASES
from tests.e2e import axe
from tests.e2e.conftest import run_server
from tests.helpers import PASSWORD
from tests.smtp_sink import SmtpSink

MILESTONE = "/compromisos/jalisco-apoyo-organizaciones-sociedad-civil/metas/3"
DASHBOARD = "/compromisos/jalisco-apoyo-organizaciones-sociedad-civil/cumplimiento"
QUESTION = "¿Dónde está la lista de asistentes de la mesa de trabajo? Vi algo en https://ejemplo.org/lista"
ANSWER = "Se publicará con la minuta de la sesión, sin firmas ni datos personales."
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 760}}
SHOTS = Path("screenshots")


@pytest.fixture(scope="module")
def sink():
    server = SmtpSink().start()
    yield server
    server.stop()


@pytest.fixture(scope="module", params=DATABASES)
def mailing_server(request, tmp_path_factory, sink):
    """The live server (on each test database) with its worker sending mail to the sink."""
    yield from run_server(request, tmp_path_factory, EVIDENCE_REPO_SMTP_HOST="127.0.0.1",
                          EVIDENCE_REPO_SMTP_PORT=str(sink.port), EVIDENCE_REPO_SMTP_SECURITY="none",
                          EVIDENCE_REPO_MAIL_FROM="avisos@evidencias.test")


@pytest.fixture
def open_page(browser):
    contexts = []

    def make(width: str):
        context = browser.new_context(viewport=WIDTHS[width], locale="es-MX", bypass_csp=True)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def checked(page, name: str) -> None:
    """axe-core finds no WCAG 2.1 A/AA violation in this state; a full-page screenshot is kept to look at."""
    found = axe.violations(page)
    assert not found, f"axe-core on {page.url} ({page.viewport_size['width']} px):\n" + "\n".join(found)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"observations-{name}-{page.viewport_size['width']}.png"), full_page=True)


def wait_for_mail(sink, address: str, timeout: float = 15.0):
    sink.wait_for(len(sink.messages) + 1, timeout)  # at least one more arrives...
    import time

    deadline = time.monotonic() + timeout
    while not sink.to(address) and time.monotonic() < deadline:  # ...and the one for ``address``
        time.sleep(0.1)
    found = sink.to(address)
    assert found, f"no mail for {address}: {[m['To'] for m in sink.messages]}"
    return found[-1]


@pytest.mark.mail
def test_citizen_observes_staff_moderate_and_answer_citizen_reads_the_answer(mailing_server, open_page, sink):
    url = mailing_server.url
    citizen = open_page("desktop")
    citizen.goto(url + MILESTONE)
    expect(citizen.get_by_role("heading", name=re.compile("Observaciones ciudadanas"))).to_be_visible()
    checked(citizen, "milestone-form")

    citizen.get_by_role("button", name="Enviar observación").click()  # nothing written: a clear message
    expect(citizen.get_by_role("alert")).to_contain_text("Escriba su observación o pregunta.")
    expect(citizen.get_by_label("Su observación o pregunta")).to_be_focused()
    checked(citizen, "form-error")

    citizen.get_by_label("Su observación o pregunta").fill(QUESTION)
    citizen.get_by_label("Su nombre (opcional, se publica)").fill("Lucía Pérez")
    citizen.get_by_label("Su correo electrónico (opcional)").fill("lucia@example.org")
    citizen.get_by_role("button", name="Enviar observación").click()
    expect(citizen.get_by_role("status")).to_contain_text("Recibimos su observación")
    expect(citizen.locator("ol.observations")).to_have_count(0)  # not public before moderation
    checked(citizen, "received")
    phone = open_page("phone")
    phone.goto(url + MILESTONE)
    phone.get_by_text("Envíe una observación o pregunta").scroll_into_view_if_needed()
    checked(phone, "milestone-form")

    to_staff = wait_for_mail(sink, "staff@jalisco.gob.mx")
    assert "meta 3" in to_staff["Subject"] and QUESTION in to_staff.get_content()

    staff = open_page("desktop")
    staff.goto(url + "/ingresar")
    staff.get_by_label("Correo electrónico").fill("staff@jalisco.gob.mx")
    staff.get_by_label("Contraseña").fill(PASSWORD)
    staff.get_by_role("button", name="Ingresar").click()
    staff.get_by_role("navigation", name="Principal").get_by_role("link", name="Observaciones").click()
    item = staff.locator("li.observation").filter(has_text="lista de asistentes")
    expect(item).to_contain_text("Lucía Pérez")
    expect(item).not_to_contain_text("lucia@example.org")  # the e-mail is never shown
    checked(staff, "queue")
    item.get_by_label("Aceptar y publicar").check()
    item.get_by_role("button", name="Registrar decisión").click()
    expect(staff.get_by_role("status")).to_contain_text("se publicó")

    citizen.goto(url + DASHBOARD)
    expect(citizen.get_by_role("link", name="1 pregunta sin respuesta")).to_be_visible()
    citizen.get_by_role("link", name="1 pregunta sin respuesta").click()
    expect(citizen.locator("ol.observations")).to_contain_text("lista de asistentes")
    expect(citizen.locator("ol.observations")).to_contain_text("Sin respuesta todavía")
    expect(citizen.locator("ol.observations a[href^='https://ejemplo.org']")).to_have_count(0)  # text, not a link

    waiting = staff.locator("li.observation").filter(has_text="lista de asistentes")
    waiting.get_by_label(re.compile("Respuesta oficial a la observación")).fill(ANSWER)
    checked(staff, "answering")
    waiting.get_by_role("button", name="Publicar respuesta").click()
    expect(staff.get_by_role("status")).to_contain_text("Se publicó la respuesta")

    to_citizen = wait_for_mail(sink, "lucia@example.org")
    assert to_citizen["Subject"] == "Respuesta a su observación" and ANSWER in to_citizen.get_content()
    link = re.search(r"(https?://\S+#observacion-\d+)", to_citizen.get_content()).group(1)
    assert link.startswith(url + MILESTONE)
    for width in WIDTHS:  # the citizen opens the link from the mail, in a new tab
        page = open_page(width)
        page.goto(link)
        answered = page.locator("ol.observations li.observation").first
        expect(answered).to_contain_text(QUESTION)
        expect(answered.locator(".observation-answer")).to_contain_text("Respuesta oficial")
        expect(answered.locator(".observation-answer")).to_contain_text(ANSWER)
        expect(page.locator("body")).not_to_contain_text("lucia@example.org")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"the milestone page scrolls sideways ({width}px)"
        checked(page, "answered")
