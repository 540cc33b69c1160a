"""Staff withdraw evidence: a citizen no longer finds it, its address says why, and the activity page shows it."""
import os
from pathlib import Path

from playwright.sync_api import expect

from tests.helpers import PASSWORD

WORD = "ahuehuetezintle"


def test_staff_withdraw_and_the_citizen_no_longer_sees_it(live_server, page, browser, tmp_path):
    shots = Path(os.environ.get("EVIDENCE_REPO_SCREENSHOTS") or tmp_path)  # where to look at the pages
    shots.mkdir(exist_ok=True)
    note = tmp_path / "informe-con-firmas.txt"
    note.write_text(f"Informe con firmas de {WORD}", encoding="utf-8")
    evidence = live_server.upload(note, milestone="11", means="Informe final", title="Informe con firmas")
    live_server.wait_until_processed(evidence["id"])
    citizen = browser.new_context(locale="es-MX", viewport={"width": 360, "height": 800}).new_page()
    citizen.goto(f"{live_server.url}/buscar?q={WORD}")
    expect(citizen.locator("main")).to_contain_text("Informe con firmas")

    page.goto(live_server.url + "/ingresar")
    page.get_by_label("Correo electrónico").fill("staff@jalisco.gob.mx")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    page.goto(f"{live_server.url}/personal/evidencias/{evidence['id']}/editar")
    page.get_by_label("Motivo (público)").fill("Contiene firmas de particulares")
    page.get_by_role("button", name="Retirar", exact=True).click()
    expect(page.locator("main")).to_contain_text("Retirada: Contiene firmas de particulares")
    page.screenshot(path=str(shots / "withdrawn-staff-1280.png"), full_page=True)

    citizen.goto(f"{live_server.url}/evidencias/{evidence['id']}")
    expect(citizen.get_by_role("heading", level=1)).to_contain_text("retirada: Contiene firmas de particulares")
    citizen.screenshot(path=str(shots / "withdrawn-public-360.png"), full_page=True)
    for _ in range(50):  # the index task is applied by the server's worker thread
        citizen.goto(f"{live_server.url}/buscar?q={WORD}")
        if "Informe con firmas" not in citizen.locator("main").inner_text():
            break
        citizen.wait_for_timeout(200)
    expect(citizen.locator("main")).not_to_contain_text("Informe con firmas")
    citizen.goto(live_server.url + "/actividad")
    expect(citizen.locator("main")).to_contain_text("Evidencia retirada")
    expect(citizen.locator("main")).to_contain_text("motivo: Contiene firmas de particulares")
    citizen.screenshot(path=str(shots / "activity-360.png"), full_page=True)
    page.goto(live_server.url + "/actividad")
    page.screenshot(path=str(shots / "activity-1280.png"), full_page=True)
    width = citizen.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the activity page scrolls sideways at 360 px ({width}px)"
    citizen.context.close()
