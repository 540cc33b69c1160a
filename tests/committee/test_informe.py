"""The committee's informe de retroalimentación, made from its agreements, as DOCX and PDF."""
from __future__ import annotations

import io

from docx import Document
from pypdf import PdfReader

from evidence_repo.committee.agreements import answer_agreement, record_agreement
from evidence_repo.plan.operations import load_commitment
from tests.helpers import login, upload

SLUG = "jalisco-apoyo-organizaciones-sociedad-civil"
INFORME = f"/compromisos/{SLUG}/acuerdos/informe"


def _docx_text(body: bytes) -> str:
    doc = Document(io.BytesIO(body))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_the_informe_lists_the_agreements_and_answers_and_follows_each_change(app, session, make_user, staff_token):
    member = make_user("comite@jalisco.gob.mx", "committee")
    staff = make_user("staff@jalisco.gob.mx", "staff")
    commitment = load_commitment(session, SLUG)
    agreement = record_agreement(session, commitment, milestone_number=5, text="Depurar el padrón de OSC.",
                                 institution="SSAS", due="2099-01-31", user=member)
    session.commit()
    client = app.test_client()

    r = client.get(INFORME + ".docx")
    assert r.status_code == 200 and r.mimetype.endswith("wordprocessingml.document")
    assert "informe-retroalimentacion-" in r.headers["Content-Disposition"]
    text = _docx_text(r.data)
    assert "Informe de retroalimentación" in text and "Acuerdos del comité" in text
    assert "Depurar el padrón de OSC." in text and "31 de enero de 2099" in text and "Pendiente" in text
    assert "Observaciones ciudadanas" in text and "No hay observaciones ciudadanas publicadas." in text
    assert Document(io.BytesIO(r.data)).core_properties.title.startswith("Informe de retroalimentación — ")

    public_id = upload(app.test_client(), staff_token, 5, "Minuta", "Minuta pública de la reunión")
    secret_id = upload(app.test_client(), staff_token, 5, "Lista de asistencia", "Firmas", "restricted")
    from evidence_repo.evidence.models import Evidence

    session.get(Evidence, secret_id).title = "Lista con nombres y firmas"
    answer_agreement(session, agreement, reply="Padrón depurado y enviado.", evidence_ids=[public_id, secret_id],
                     user=staff)
    session.commit()

    text = _docx_text(client.get(INFORME + ".docx").data)  # the answer moved the data: a new informe
    assert "Padrón depurado y enviado." in text and "Atendido" in text and f"#{public_id}" in text
    assert "Lista con nombres y firmas" not in text  # restricted evidence is not named to the public
    pdf = client.get(INFORME + ".pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    pages = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Informe de retroalimentación" in pages and "Padrón depurado y enviado." in pages
    assert "Lista con nombres y firmas" not in pages

    login(client, "staff@jalisco.gob.mx")
    assert "Lista con nombres y firmas" in _docx_text(client.get(INFORME + ".docx").data)


def test_an_informe_without_agreements_says_so(client):
    text = _docx_text(client.get(INFORME + ".docx").data)
    assert "El comité no ha registrado acuerdos." in text
    assert client.get(INFORME + ".odt").status_code == 404


def test_the_informe_carries_the_published_observations_and_their_answers_only(app, session, make_user):
    from sqlalchemy import select

    from evidence_repo.mail.settings import MailSettings
    from evidence_repo.participation.operations import answer, moderate, submit
    from evidence_repo.plan.models import Milestone

    member = make_user("comite@jalisco.gob.mx", "committee")
    milestone = session.scalars(select(Milestone).where(Milestone.number == 5)).one()
    none = MailSettings()
    asked = submit(session, none, milestone=milestone, evidence=None, text="¿Cuándo se publica el padrón?",
                   name="Lucía", email="lucia@example.org")
    waiting = submit(session, none, milestone=milestone, evidence=None, text="Pregunta aún sin moderar")
    rejected = submit(session, none, milestone=milestone, evidence=None, text="Mensaje ofensivo rechazado")
    session.flush()
    moderate(session, asked, member, accept=True)
    moderate(session, rejected, member, accept=False, reason="Lenguaje ofensivo")
    answer(session, none, asked, member, "Se publicó el 15 de noviembre en el portal.")
    session.commit()
    assert waiting.status == "recibida"

    text = _docx_text(app.test_client().get(INFORME + ".docx").data)
    assert "¿Cuándo se publica el padrón?" in text and "Lucía" in text and "Meta 5" in text
    assert "Respuesta oficial" in text and "Se publicó el 15 de noviembre en el portal." in text
    assert "No hay observaciones ciudadanas publicadas." not in text
    for private in ("Pregunta aún sin moderar", "Mensaje ofensivo rechazado", "Lenguaje ofensivo",
                    "lucia@example.org"):
        assert private not in text
