"""Privacy by default in the browser: staff see the personal-data warning once the text is read, restrict the
evidence with one click and upload a versión pública; a citizen then sees and finds only the redacted copy."""
import os
from pathlib import Path

from playwright.sync_api import expect

from tests.helpers import PASSWORD

ORIGINAL_WORD = "Cuitlahuatzin"
REDACTED_WORD = "Quetzalcoatzin"


def test_staff_restrict_a_list_and_publish_its_redacted_version(live_server, page, browser, tmp_path):
    shots = Path(os.environ.get("EVIDENCE_REPO_SCREENSHOTS") or tmp_path)
    shots.mkdir(exist_ok=True)
    original = tmp_path / "lista.txt"
    original.write_text(f"Lista de asistencia\nNombre y firma: {ORIGINAL_WORD} Pérez, cuitla@example.mx",
                        encoding="utf-8")
    redacted = tmp_path / "lista-testada.txt"
    redacted.write_text(f"Lista de asistencia\nNombre y firma: [testado] {REDACTED_WORD}", encoding="utf-8")
    evidence = live_server.upload(original, milestone="6", means="Lista de asistencia", title="Lista de la sesión")
    live_server.wait_until_processed(evidence["id"])
    url = f"{live_server.url}/evidencias/{evidence['id']}"

    page.goto(live_server.url + "/ingresar")
    page.get_by_label("Correo electrónico").fill("staff@jalisco.gob.mx")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    page.goto(url)
    expect(page.locator("#datos-personales")).to_contain_text("Posibles datos personales en el texto")
    page.screenshot(path=str(shots / "privacy-warning-1280.png"), full_page=True)
    page.get_by_role("button", name="Restringir", exact=True).click()
    expect(page.locator("main")).to_contain_text("Evidencia restringida")
    page.get_by_label("Archivo testado (versión pública)").set_input_files(str(redacted))
    page.get_by_role("button", name="Subir versión pública").click()
    expect(page.locator("main")).to_contain_text("Se guardó la versión pública")
    page.screenshot(path=str(shots / "public-version-staff-1280.png"), full_page=True)

    citizen = browser.new_context(locale="es-MX", viewport={"width": 360, "height": 800}).new_page()
    for _ in range(100):  # the server's worker reads the redacted file's text
        citizen.goto(url)
        if REDACTED_WORD in citizen.locator("main").inner_text():
            break
        citizen.wait_for_timeout(200)
    main = citizen.locator("main")
    expect(main).to_contain_text(REDACTED_WORD)
    expect(citizen.get_by_role("heading", level=1)).to_contain_text("Versión pública (testada)")
    expect(main).not_to_contain_text(ORIGINAL_WORD)
    citizen.screenshot(path=str(shots / "public-version-citizen-360.png"), full_page=True)
    width = citizen.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the evidence page scrolls sideways at 360 px ({width}px)"
    citizen.goto(f"{live_server.url}/buscar?q={REDACTED_WORD}")
    expect(citizen.locator("main")).to_contain_text("Lista de la sesión")
    citizen.goto(f"{live_server.url}/buscar?q={ORIGINAL_WORD}")
    expect(citizen.locator("main")).not_to_contain_text("Lista de la sesión")
    citizen.context.close()
