"""A citizen observes a milestone or a piece of evidence; staff or the committee moderate and answer; the public
reads only what was accepted, with its official answer."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from evidence_repo.audit import AuditRecord
from evidence_repo.mail.models import OutgoingMail
from evidence_repo.participation.models import Observation
from tests.helpers import csrf_token, login, upload

C = "jalisco-apoyo-organizaciones-sociedad-civil"
MILESTONE = f"/compromisos/{C}/metas/6"
DASHBOARD = f"/compromisos/{C}/cumplimiento"


def observe(client, page=MILESTONE, **fields):
    data = {"csrf_token": csrf_token(client, page), **fields}
    return client.post(page + "/observaciones", data=data)


def staff_client(app, make_user, email="carga@jalisco.gob.mx", role="staff"):
    make_user(email, role)
    client = app.test_client()
    login(client, email)
    return client


def decide(client, observation_id, decision, reason=""):
    return client.post(f"/personal/observaciones/{observation_id}/moderar", follow_redirects=True,
                       data={"csrf_token": csrf_token(client, "/personal/observaciones"), "decision": decision,
                             "reason": reason})


def reply(client, observation_id, text):
    return client.post(f"/personal/observaciones/{observation_id}/responder", follow_redirects=True,
                       data={"csrf_token": csrf_token(client, "/personal/observaciones"), "answer": text})


def only_observation(session) -> Observation:
    session.expire_all()
    rows = session.scalars(select(Observation)).all()
    assert len(rows) == 1
    return rows[0]


def test_an_observation_is_public_only_once_accepted_and_then_shown_with_its_answer(app, client, session,
                                                                                     make_user):
    r = observe(client, text="¿Cuándo se publica la minuta de la sesión de octubre?", name="Lucía Pérez",
                email="lucia@example.org")
    assert r.status_code == 303 and r.headers["Location"].endswith("/metas/6#observaciones")
    page = client.get(MILESTONE).get_data(as_text=True)
    assert "Recibimos su observación" in page
    assert "minuta de la sesión de octubre" not in page  # recibida: not public yet
    observation = only_observation(session)
    assert observation.status == "recibida"

    committee = staff_client(app, make_user, "comite@jalisco.gob.mx", "committee")
    queue = committee.get("/personal/observaciones").get_data(as_text=True)
    assert "minuta de la sesión de octubre" in queue and "Lucía Pérez" in queue
    assert "lucia@example.org" not in queue  # the e-mail is never shown, not even to moderators
    accepted = decide(committee, observation.id, "aceptar").get_data(as_text=True)
    assert f"La observación #{observation.id} se publicó." in accepted
    page = client.get(MILESTONE).get_data(as_text=True)
    assert "minuta de la sesión de octubre" in page and "Lucía Pérez" in page and "Sin respuesta todavía" in page
    assert "1 pregunta sin respuesta" in client.get(DASHBOARD).get_data(as_text=True)

    staff = staff_client(app, make_user)
    done = reply(staff, observation.id, "La minuta se publicará el 15 de noviembre.").get_data(as_text=True)
    assert f"Se publicó la respuesta a la observación #{observation.id}." in done
    page = client.get(MILESTONE).get_data(as_text=True)
    assert "Respuesta oficial" in page and "La minuta se publicará el 15 de noviembre." in page
    assert "lucia@example.org" not in page
    assert "pregunta sin respuesta" not in client.get(DASHBOARD).get_data(as_text=True)
    assert only_observation(session).status == "respondida"
    actions = session.scalars(select(AuditRecord.action).where(AuditRecord.entity == "observation")
                              .order_by(AuditRecord.id)).all()
    assert actions == ["observation.submit", "observation.accept", "observation.answer"]
    audited = session.scalars(select(AuditRecord).where(AuditRecord.entity == "observation")).all()
    assert not any("lucia@example.org" in str(a.after) for a in audited)


def test_a_rejected_observation_keeps_its_reason_for_moderators_and_is_never_public(app, client, session,
                                                                                    make_user):
    observe(client, text="Compren seguidores baratos en tlatoanixpam")
    observation = only_observation(session)
    staff = staff_client(app, make_user)
    assert "Escriba el motivo del rechazo" in decide(staff, observation.id, "rechazar").get_data(as_text=True)
    assert "Elija si acepta o rechaza" in decide(staff, observation.id, "").get_data(as_text=True)
    assert "se rechazó" in decide(staff, observation.id, "rechazar", "Publicidad").get_data(as_text=True)
    rejected = only_observation(session)
    assert (rejected.status, rejected.rejection_reason) == ("rechazada", "Publicidad")
    assert "ya fue moderada" in decide(staff, observation.id, "aceptar").get_data(as_text=True)
    assert "Primero acepte" in reply(staff, observation.id, "Gracias").get_data(as_text=True)
    assert "tlatoanixpam" not in client.get(MILESTONE).get_data(as_text=True)
    assert "tlatoanixpam" not in staff.get("/personal/observaciones").get_data(as_text=True)  # left the queue


@pytest.mark.parametrize(("fields", "message", "field"), [
    ({"text": "   "}, "Escriba su observación o pregunta.", "text"),
    ({"text": "x" * 2001}, "como máximo 2000 caracteres", "text"),
    ({"text": "Una duda", "email": "no-es-correo"}, "Ese correo electrónico no es válido", "email"),
    ({"text": "Una duda", "name": "n" * 121}, "El nombre es demasiado largo", "name"),
])
def test_bad_input_gets_a_clear_message_at_the_field_and_keeps_what_was_written(client, session, fields, message,
                                                                                field):
    r = observe(client, **fields)
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and message in page
    assert f'id="observation-{field}-error"' in page and 'aria-invalid="true"' in page
    if fields.get("text", "").strip() and len(fields["text"]) < 2000:
        assert fields["text"] in page
    session.expire_all()
    assert session.scalars(select(Observation)).all() == []


def test_no_csrf_token_unknown_places_and_restricted_evidence_are_refused(client, session, staff_token):
    r = client.post(MILESTONE + "/observaciones", data={"text": "Sin token"})
    assert r.status_code == 400 and "El formulario caducó" in r.get_data(as_text=True)
    token = csrf_token(client, MILESTONE)
    assert client.post(f"/compromisos/{C}/metas/99/observaciones", data={"csrf_token": token,
                                                                         "text": "x"}).status_code == 404
    hidden = upload(client, staff_token, 6, "Lista de asistencia", "Firmas", visibility="restricted")
    assert client.post(f"/evidencias/{hidden}/observaciones", data={"csrf_token": token,
                                                                    "text": "x"}).status_code == 404
    session.expire_all()
    assert session.scalars(select(Observation)).all() == []


def test_the_honeypot_answers_like_a_success_and_keeps_nothing(client, session):
    r = observe(client, text="Oferta", sitio_web="https://spam.example")
    assert r.status_code == 303
    assert "Recibimos su observación" in client.get(MILESTONE).get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(Observation)).all() == []


def test_links_stay_plain_text_and_personal_data_is_flagged_to_moderators(app, client, session, make_user):
    observe(client, text='Vean <a href="https://malo.example">aquí</a> y https://otro.example; '
                         'mi CURP es GODE561231HDFRRN09')
    observation = only_observation(session)
    assert "curp" in observation.personal_data
    staff = staff_client(app, make_user)
    queue = staff.get("/personal/observaciones").get_data(as_text=True)
    assert "Posibles datos personales en el texto: CURP" in queue
    decide(staff, observation.id, "aceptar")
    page = client.get(MILESTONE).get_data(as_text=True)
    assert '<a href="https://malo.example">' not in page and "&lt;a href=" in page
    assert 'href="https://otro.example' not in page and "https://otro.example" in page


def test_an_observation_on_evidence_shows_on_its_page(app, client, session, make_user, staff_token):
    evidence_id = upload(client, staff_token, 6, "Minuta", "Minuta de la sesión")
    page = f"/evidencias/{evidence_id}"
    assert observe(client, page, text="La minuta no dice quién asistió.").status_code == 303
    observation = only_observation(session)
    assert observation.evidence_id == evidence_id
    decide(staff_client(app, make_user, "otro@jalisco.gob.mx"), observation.id, "aceptar")
    assert "La minuta no dice quién asistió." in client.get(page).get_data(as_text=True)
    assert "La minuta no dice quién asistió." in client.get(MILESTONE).get_data(as_text=True)


def test_one_address_may_send_only_so_many(app, client, session):
    app.config["OBSERVATION_RATE_LIMIT"] = "2 per minute"
    assert [observe(client, text=f"Duda {i}").status_code for i in range(2)] == [303, 303]
    r = observe(client, text="Duda 3")
    assert r.status_code == 429 and "Demasiadas solicitudes" in r.get_data(as_text=True)
    session.expire_all()
    assert len(session.scalars(select(Observation)).all()) == 2


@pytest.mark.mail
def test_staff_hear_of_new_observations_and_the_citizen_of_the_answer(app, client, session, make_user, staff_token,
                                                                      worker, smtp_sink):
    app.config["BASE_URL"] = "https://evidencias.jalisco.example/"
    evidence_id = upload(client, staff_token, 6, "Minuta", "Minuta de la sesión")  # uploaded by carga@
    observe(client, f"/evidencias/{evidence_id}", text="¿Falta la segunda página?", email="ana@example.org")
    worker.drain()
    (to_staff,) = smtp_sink.wait_for(1)
    assert to_staff["To"] == "carga@jalisco.gob.mx"
    assert f"evidencia #{evidence_id}" in to_staff["Subject"]
    assert "¿Falta la segunda página?" in to_staff.get_content()
    assert "https://evidencias.jalisco.example/personal/observaciones" in to_staff.get_content()

    observation = only_observation(session)
    staff = app.test_client()
    login(staff, "carga@jalisco.gob.mx")
    decide(staff, observation.id, "aceptar")
    reply(staff, observation.id, "Sí: ya se reemplazó el archivo.")
    worker.drain()
    to_citizen = smtp_sink.wait_for(2)[1]
    assert to_citizen["To"] == "ana@example.org" and to_citizen["Subject"] == "Respuesta a su observación"
    body = to_citizen.get_content()
    assert "Sí: ya se reemplazó el archivo." in body
    assert f"https://evidencias.jalisco.example/evidencias/{evidence_id}#observacion-{observation.id}" in body
    kinds = session.scalars(select(OutgoingMail.kind).order_by(OutgoingMail.id)).all()
    assert kinds == ["observation.received", "observation.answered"]


@pytest.mark.mail
def test_an_observation_on_a_milestone_without_evidence_goes_to_every_active_staff(app, client, session, make_user,
                                                                                   worker, smtp_sink):
    make_user("uno@jalisco.gob.mx", "staff")
    make_user("dos@jalisco.gob.mx", "staff")
    make_user("comite@jalisco.gob.mx", "committee")
    observe(client, f"/compromisos/{C}/metas/2", text="¿Quién coordina esta meta?")
    worker.drain()
    received = smtp_sink.wait_for(2)
    assert sorted(m["To"] for m in received) == ["dos@jalisco.gob.mx", "uno@jalisco.gob.mx"]
    assert all("meta 2" in m["Subject"] for m in received)


@pytest.mark.mail
def test_a_moderator_corrects_a_published_answer_and_the_citizen_hears_of_it(app, client, session, make_user,
                                                                              worker, smtp_sink):
    observe(client, text="¿Dónde está la lista de asistencia?", email="ana@example.org")
    observation = only_observation(session)
    staff = staff_client(app, make_user)
    decide(staff, observation.id, "aceptar")
    reply(staff, observation.id, "Se publicó el 3 de octubre.")
    queue = staff.get("/personal/observaciones").get_data(as_text=True)
    assert "Respondidas recientemente" in queue
    assert f"Corregir la respuesta a la observación #{observation.id}" in queue
    assert ">Se publicó el 3 de octubre.</textarea>" in queue  # the form starts from the published answer

    same = reply(staff, observation.id, "Se publicó el 3 de octubre.").get_data(as_text=True)  # changes nothing
    assert f"La respuesta a la observación #{observation.id} no cambió." in same
    done = reply(staff, observation.id, "Se publicó el 13 de octubre (no el 3).").get_data(as_text=True)
    assert f"Se publicó la respuesta a la observación #{observation.id}." in done
    page = client.get(MILESTONE).get_data(as_text=True)
    assert "Se publicó el 13 de octubre (no el 3)." in page and "Se publicó el 3 de octubre." not in page
    assert "corregida el" in page  # the answer keeps the date it was first given; the correction says when
    fixed = only_observation(session)
    assert fixed.answer_corrected_at is not None and fixed.answered_at <= fixed.answer_corrected_at
    row, = client.get("/api/v1/observations").get_json()
    assert row["answer_corrected_at"] is not None and row["answered_at"] <= row["answer_corrected_at"]

    audited = session.scalars(select(AuditRecord).where(AuditRecord.action == "observation.answer")
                              .order_by(AuditRecord.id)).all()
    assert [(a.before["answer"], a.after["answer"]) for a in audited] == [
        (None, "Se publicó el 3 de octubre."),
        ("Se publicó el 3 de octubre.", "Se publicó el 13 de octubre (no el 3).")]
    worker.drain()
    mails = [m for m in smtp_sink.wait_for(2) if m["To"] == "ana@example.org"]
    assert [m["Subject"] for m in mails] == ["Respuesta a su observación", "Se corrigió la respuesta a su observación"]
    assert "Respuesta corregida:" in mails[1].get_content() and "13 de octubre" in mails[1].get_content()
