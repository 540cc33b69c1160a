"""Staff upload evidence from the web form, edit it and replace its file; nothing is lost."""
import io
import re

import pytest
from sqlalchemy import select

from evidence_repo.audit import AuditRecord
from evidence_repo.evidence.models import Evidence
from tests.helpers import csrf_token, login

C = "/compromisos/jalisco-apoyo-organizaciones-sociedad-civil"  # the seed commitment's canonical URL


@pytest.fixture
def staff(client, make_user):
    make_user("staff@jalisco.gob.mx", "staff")
    login(client, "staff@jalisco.gob.mx")
    return client


def form(client, **overrides):
    data = {"csrf_token": csrf_token(client, "/personal/subir"), "milestone": "3", "means": "Minuta",
            "activity": "", "title": "", "date": "2019-10-17", "description": "", "visibility": "public"}
    data.update(overrides)
    return data


def test_upload_page_needs_a_staff_account(client, make_user):
    r = client.get("/personal/subir")
    assert r.status_code == 302 and "/ingresar" in r.headers["Location"]
    make_user("comite@jalisco.gob.mx", "committee")
    login(client, "comite@jalisco.gob.mx")
    assert client.get("/personal/subir").status_code == 403


def test_upload_form_prefills_from_links(staff):
    html = staff.get("/personal/subir?meta=2&medio=Convocatoria").get_data(as_text=True)
    assert re.search(r'<option [^>]*selected value="2">Meta 2', html)
    assert '<option selected value="Convocatoria">' in html
    assert re.search(r'<option selected value="jalisco-apoyo-organizaciones-sociedad-civil">', html)  # the only one
    # milestone 2's required means first, the rest under "Otro medio"
    assert re.search(r'<optgroup label="Exigidos por la meta 2">.*Convocatoria.*</optgroup>\s*'
                     r'<optgroup label="Otro medio">', html, re.DOTALL)


def test_upload_two_files_shows_them_on_the_milestone_page(staff, worker):
    data = form(staff)
    data["files"] = [(io.BytesIO(b"Minuta: acuerdos sobre el padron de beneficiarios"), "minuta_17_octubre.txt"),
                     (io.BytesIO(b"Segunda minuta"), "minuta-anexo.txt")]
    r = staff.post("/personal/subir", data=data, content_type="multipart/form-data", follow_redirects=True)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert C + "/metas/3" in r.request.path
    assert "Guardado: «minuta 17 octubre»" in html
    assert "Procesando" in html
    worker.drain()
    html = staff.get(C + "/metas/3").get_data(as_text=True)
    assert "minuta 17 octubre" in html and "minuta-anexo" in html
    assert "Texto extraído" in html and "Procesando" not in html


def test_json_upload_for_the_progress_bar(staff):
    data = form(staff, title="Minuta oficial")
    data["files"] = (io.BytesIO(b"texto"), "m.txt")
    r = staff.post("/personal/subir", data=data, content_type="multipart/form-data",
                   headers={"Accept": "application/json"})
    assert r.status_code == 201
    body = r.get_json()
    assert body["results"][0]["title"] == "Minuta oficial" and body["milestone_url"] == C + "/metas/3"


def test_form_errors_are_shown_and_nothing_is_stored(staff, session):
    data = form(staff, milestone="", means="", date="31/02/2019")
    data["files"] = (io.BytesIO(b"texto"), "m.txt")
    r = staff.post("/personal/subir", data=data, content_type="multipart/form-data")
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "Elija la meta a la que corresponde la evidencia." in html
    assert "Elija el medio de verificación." in html
    assert "Fecha inválida" in html
    assert session.scalar(select(Evidence.id)) is None
    r = staff.post("/personal/subir", data=form(staff), content_type="multipart/form-data")
    assert r.status_code == 400 and "Elija al menos un archivo." in r.get_data(as_text=True)


def test_one_bad_file_does_not_lose_the_good_one(staff, session):
    data = form(staff)
    data["files"] = [(io.BytesIO(b"MZ\x90\x00" + b"\x00" * 300), "virus.pdf"), (io.BytesIO(b"buena minuta"), "b.txt")]
    r = staff.post("/personal/subir", data=data, content_type="multipart/form-data", follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "No se guardó «virus.pdf»: Tipo de archivo no admitido" in html
    assert "Guardado: «b»" in html
    assert [e.title for e in session.scalars(select(Evidence))] == ["b"]


def test_each_file_of_an_upload_is_kept_or_refused_on_its_own(staff, session):
    """Three files, the second a copy of the first: one transaction, one savepoint per file."""
    data = form(staff)
    data["files"] = [(io.BytesIO(b"minuta uno"), "uno.txt"), (io.BytesIO(b"minuta uno"), "copia.txt"),
                     (io.BytesIO(b"minuta tres"), "tres.txt")]
    r = staff.post("/personal/subir", data=data, content_type="multipart/form-data", follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "No se guardó «copia.txt»: " in html and "ya existe como evidencia" in html
    assert sorted(e.title for e in session.scalars(select(Evidence))) == ["tres", "uno"]


def test_csrf_is_required_for_uploads(staff):
    r = staff.post("/personal/subir", data={"milestone": "3", "means": "Minuta",
                                            "files": (io.BytesIO(b"x"), "x.txt")},
                   content_type="multipart/form-data")
    assert r.status_code == 400


def test_edit_metadata_and_replace_file_keeps_old_version(staff, session):
    data = form(staff)
    data["files"] = (io.BytesIO(b"version uno"), "acta.txt")
    staff.post("/personal/subir", data=data, content_type="multipart/form-data")
    evidence = session.scalar(select(Evidence))
    edit_url = f"/personal/evidencias/{evidence.id}/editar"
    token = csrf_token(staff, edit_url)
    r = staff.post(edit_url, data={"csrf_token": token, "milestone": "5", "means": "Minuta", "activity": "",
                                   "title": "Minuta corregida", "date": "2019-11-07", "description": "Con firmas",
                                   "visibility": "restricted"}, follow_redirects=True)
    assert "Cambios guardados." in r.get_data(as_text=True)
    r = staff.post(f"/personal/evidencias/{evidence.id}/reemplazar",
                   data={"csrf_token": token, "replace-file": (io.BytesIO(b"version dos"), "acta-v2.txt")},
                   content_type="multipart/form-data", follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "Se guardó la versión 2; la anterior se conserva." in html
    assert staff.get(f"/evidencias/{evidence.id}/descargar?version=1").data == b"version uno"
    assert staff.get(f"/evidencias/{evidence.id}/descargar").data == b"version dos"
    session.expire_all()
    evidence = session.get(Evidence, evidence.id)
    assert (evidence.milestone.number, evidence.title, evidence.visibility) == (5, "Minuta corregida", "restricted")
    actions = [a.action for a in session.scalars(select(AuditRecord).where(AuditRecord.entity == "evidence"))]
    assert actions == ["evidence.create", "evidence.update", "evidence.replace_file"]
    same = staff.post(f"/personal/evidencias/{evidence.id}/reemplazar",
                      data={"csrf_token": token, "replace-file": (io.BytesIO(b"version dos"), "otra.txt")},
                      content_type="multipart/form-data", follow_redirects=True)
    assert "idéntico a la versión actual" in same.get_data(as_text=True)


def test_restricted_evidence_is_invisible_to_the_public(staff, app):
    data = form(staff, visibility="restricted", means="Lista de asistencia")
    data["files"] = (io.BytesIO(b"Nombre, CURP, firma: Zacarias Quetzalcoatl"), "lista_con_firmas.txt")
    staff.post("/personal/subir", data=data, content_type="multipart/form-data")
    assert "lista con firmas" in staff.get(C + "/metas/3").get_data(as_text=True)
    anonymous = app.test_client()
    html = anonymous.get(C + "/metas/3").get_data(as_text=True)
    assert "lista con firmas" not in html and "(0)" in html
    assert anonymous.get("/evidencias/1").status_code == 404
    assert anonymous.get("/evidencias/1/descargar").status_code == 404
