"""A committee member observes a piece of evidence and the compliance matrix cell changes."""
from playwright.sync_api import expect

from tests import samples
from tests.helpers import PASSWORD


def cell(page, milestone: int, means: str):
    columns = [t.strip() for t in page.locator("table.matrix thead th").all_inner_texts()]
    index = columns.index(means)
    row = page.locator("table.matrix tbody tr").filter(has=page.get_by_role("link", name=f"Meta {milestone}", exact=True))
    return row.locator("th, td").nth(index)


MATRIX = "/compromisos/jalisco-apoyo-organizaciones-sociedad-civil/cumplimiento"


def test_committee_observation_changes_the_matrix(live_server, page, tmp_path):
    report = samples.make_text_pdf(tmp_path / "informe-final.pdf", "Informe final del compromiso, borrador.")
    evidence = live_server.upload(report, milestone="11", means="Informe final", title="Informe final (borrador)")

    page.goto(live_server.url + "/cumplimiento")  # the portfolio: one row per commitment, linking to its matrix
    page.locator(f'a[href$="{MATRIX}"]').first.click()
    expect(cell(page, 11, "Informe final")).to_contain_text("En revisión")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"the dashboard scrolls sideways ({width}px); only the matrix may scroll"

    page.goto(live_server.url + "/ingresar")
    page.get_by_label("Correo electrónico").fill("comite@jalisco.gob.mx")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    page.goto(live_server.url + MATRIX)
    cell(page, 11, "Informe final").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Informe final (borrador)")

    page.get_by_label("Observada: tiene un problema (explíquelo)").check()
    page.get_by_role("button", name="Registrar revisión").click()
    expect(page.get_by_role("alert")).to_contain_text("escriba qué está mal")
    page.get_by_label("Observada: tiene un problema (explíquelo)").check()
    page.get_by_label("Comentario").fill("Falta la firma del comité de seguimiento.")
    page.get_by_role("button", name="Registrar revisión").click()
    expect(page.get_by_role("status")).to_contain_text(f"La evidencia #{evidence['id']} quedó observada")
    expect(page.locator("ol.reviews")).to_contain_text("Falta la firma del comité de seguimiento.")

    page.goto(live_server.url + MATRIX)
    observed = cell(page, 11, "Informe final")
    expect(observed).to_contain_text("Observado")
    expect(observed).to_have_class("cell cell-observado")
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
