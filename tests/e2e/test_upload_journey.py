"""A staff member uploads two files with the progress bar and sees them on the milestone page."""
import re

from playwright.sync_api import expect

from tests import samples
from tests.helpers import PASSWORD


def sign_in(page, live_server):
    page.goto(live_server.url + "/ingresar")
    page.get_by_label("Correo electrónico").fill("staff@jalisco.gob.mx")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_role("status")).to_contain_text("Sesión iniciada")


def test_staff_uploads_two_files_and_sees_them(live_server, page, tmp_path):
    minuta = tmp_path / "Minuta reunión de seguimiento.pdf"
    samples.make_text_pdf(minuta, "Minuta: el comité acordó revisar el padrón de beneficiarios del programa.")
    foto = tmp_path / "foto_sesion.jpg"
    samples.make_photo(foto, "MEMORIA FOTOGRAFICA")

    sign_in(page, live_server)
    page.goto(live_server.url + "/metas/3")
    page.get_by_role("link", name="Subir evidencias de esta meta").click()
    expect(page.get_by_label("Meta", exact=True)).to_have_value("3")
    page.get_by_label("Medio de verificación").select_option("Minuta")
    page.get_by_label("Fecha de la sesión").fill("2019-10-17")
    page.get_by_label("Archivos").set_input_files([str(minuta), str(foto)])
    page.get_by_role("button", name="Subir").click()

    progress = page.locator("#upload-progress")
    expect(progress.locator("progress")).to_have_count(2)
    expect(progress.locator(".upload-item.done")).to_have_count(2, timeout=30_000)
    expect(progress).to_contain_text("2 de 2 archivo(s) guardado(s)")
    page.screenshot(path=str(tmp_path / "upload.png"))

    page.get_by_role("link", name="Ver las evidencias de la meta").click()
    expect(page).to_have_url(live_server.url + "/compromisos/jalisco-apoyo-organizaciones-sociedad-civil/metas/3")
    table = page.locator("table.evidence-table")
    expect(table).to_contain_text("Minuta reunión de seguimiento")
    expect(table).to_contain_text("foto sesion")
    for _ in range(60):
        if "Procesando" not in table.inner_text():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(table).not_to_contain_text("Procesando")
    expect(table.get_by_role("row", name=re.compile("Minuta reunión"))).to_contain_text("Texto extraído")

    page.get_by_role("link", name="foto sesion").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("foto sesion")
    expect(page.locator("figure.preview img")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar", exact=True).click()
    assert download.value.suggested_filename == "foto_sesion.jpg"


def test_upload_errors_are_shown_in_spanish(live_server, page, tmp_path):
    bad = tmp_path / "informe.pdf"
    bad.write_bytes(b"\x7fELF" + b"\x00" * 64)
    sign_in(page, live_server)
    page.goto(live_server.url + "/personal/subir")
    page.get_by_label("Meta", exact=True).select_option("5")
    page.get_by_label("Medio de verificación").select_option("Minuta")
    page.get_by_label("Archivos").set_input_files([str(bad)])
    page.get_by_role("button", name="Subir").click()
    expect(page.locator(".upload-item.failed")).to_contain_text("Tipo de archivo no admitido")
    expect(page.locator("#upload-progress")).to_contain_text("0 de 1 archivo(s) guardado(s)")
