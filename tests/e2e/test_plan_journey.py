"""A citizen reads the plan; a staff member signs in. Real server, real browser."""
import re

from playwright.sync_api import expect

from tests.helpers import PASSWORD

C = "/compromisos/jalisco-apoyo-organizaciones-sociedad-civil"


def test_citizen_browses_the_plan(live_server, page):
    page.goto(live_server.url + "/")
    expect(page).to_have_title(re.compile("Inicio"))
    page.get_by_role("link", name=re.compile("Apoyo a las organizaciones de la sociedad civil")).first.click()
    expect(page).to_have_url(live_server.url + C)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Apoyo a las organizaciones de la sociedad civil")
    expect(page.locator("article.milestone")).to_have_count(11)

    m2 = page.locator("#meta-2")
    expect(m2).to_contain_text("Sesión de ensayo de presentaciones")
    expect(m2.get_by_role("row", name=re.compile("Sesión de capacitación"))).to_contain_text("15 de octubre de 2019")
    expect(m2).to_contain_text("Relatorías por mesa de trabajo")
    expect(page.locator("#meta-11")).to_contain_text("Informe final")
    expect(page.locator("#meta-11")).to_contain_text("Por definir")

    page.get_by_role("link", name="Meta 3", exact=True).click()
    expect(page).to_have_url(live_server.url + C + "/metas/3")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Meta 3"))
    expect(page.locator("ul.means:not(.missing-means)")).to_contain_text("Informe de retroalimentación")
    expect(page.locator("ul.missing-means")).to_contain_text("Minuta")
    expect(page.locator(".milestone-status")).to_contain_text("Vencido")
    page.get_by_role("link", name=re.compile("Meta 4")).click()
    expect(page).to_have_url(live_server.url + C + "/metas/4")


def test_plan_page_works_on_a_phone(live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="es-MX")
    page = context.new_page()
    page.goto(live_server.url + "/metas/6")  # the old URL redirects
    assert page.url == live_server.url + C + "/metas/6"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways on a phone ({width}px)"
    expect(page.get_by_text("Saira Pérez").first).to_be_visible()
    search_box = page.get_by_role("searchbox", name="Buscar en las evidencias").bounding_box()
    assert search_box["height"] < 60, f"the header search box is {search_box['height']}px tall on a phone"
    context.close()


def test_missing_milestone_page_is_friendly(live_server, page):
    response = page.goto(live_server.url + "/metas/99")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("No existe la meta 99 en este plan.")
    page.get_by_role("link", name="Volver al inicio").click()
    expect(page).to_have_url(live_server.url + "/")


def test_staff_signs_in_and_out(live_server, page):
    page.goto(live_server.url + "/ingresar")
    page.get_by_label("Correo electrónico").fill("staff@jalisco.gob.mx")
    page.get_by_label("Contraseña").fill("incorrecta-123")
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_role("alert")).to_have_text("Correo o contraseña incorrectos.")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_role("status")).to_contain_text("Sesión iniciada")
    page.get_by_role("button", name="Salir").click()
    expect(page.get_by_role("status")).to_have_text("Sesión cerrada.")
    expect(page.get_by_role("link", name="Ingresar")).to_be_visible()


def test_language_switch(live_server, page):
    page.goto(live_server.url + "/plan")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name=re.compile("Annual work plan: 11 milestones"))).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
