"""The personal-data scan finds what a citizen would not want published, and stays quiet on plain reports."""
import pytest

from evidence_repo.evidence.privacy import scan

ATTENDANCE = """LISTA DE ASISTENCIA — Mesa de trabajo 3
No. Nombre Institución Firma
1. María Guadalupe Hernández López  Ciudadana  ____
2. José Luis Pérez Gómez  OSC Alianza  ____
3. Ana Sofía Ramírez de la Torre  Ciudadana  ____
4. Juan Carlos Martínez Ruiz  SEDIS  ____
5. Rosa María Díaz Castillo  Ciudadana  ____
"""


@pytest.mark.parametrize("text, kinds", [
    ("Contacto: maria.hernandez@gmail.com", ["email"]),
    ("Tel. (33) 3614-2021", ["phone"]),
    ("Celular +52 33 1234 5678", ["phone"]),
    ("CURP: HELM850315MJCRPR09", ["curp"]),
    ("RFC HELM850315AB1", ["rfc"]),
    ("Clave de elector HRLPMR85031514M600", ["ine"]),
    (ATTENDANCE, ["attendance"]),
    ("Informe final: se revisaron 1,250 expedientes entre 2019 y 2020 con un presupuesto de $3,614,202.", []),
    ("Reunión del 17/10/2019 a las 10:00 en Av. Prolongación Alcalde 1351, CP 44270.", []),
    ("RFC de la institución: SEP850101AB1", []),
    ("", []),
])
def test_scan(text, kinds):
    assert scan(text) == kinds


def test_staff_see_the_flag_and_the_public_never_does(app, client, staff_token, make_user, worker):
    from tests.helpers import login, upload

    evidence_id = upload(client, staff_token, 6, "Lista de asistencia", ATTENDANCE + "\nCURP HELM850315MJCRPR09")
    worker.drain()
    make_user("staff@jalisco.gob.mx", "staff")
    staff = app.test_client()
    login(staff, "staff@jalisco.gob.mx")
    assert "Datos personales" in staff.get("/personal/evidencias").get_data(as_text=True)
    page = staff.get(f"/evidencias/{evidence_id}").get_data(as_text=True)
    assert "Posibles datos personales en el texto: CURP, lista de asistencia con nombres y firmas." in page
    assert "considere marcarla como restringida" in page
    public = client.get(f"/evidencias/{evidence_id}").get_data(as_text=True)
    assert "datos personales" not in public.lower()
