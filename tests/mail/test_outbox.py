"""Mail goes through the outbox: queued in the change's transaction, sent by the worker over real SMTP."""
from __future__ import annotations

import socket

import pytest
from sqlalchemy import select

from evidence_repo.mail.models import OutgoingMail
from evidence_repo.mail.outbox import queue_mail
from evidence_repo.mail.sending import MAX_ATTEMPTS, send_pending
from evidence_repo.mail.settings import MailSettings, from_environment
from evidence_repo.services import services
from tests.helpers import login


@pytest.mark.mail
def test_a_queued_message_is_sent_by_the_worker_to_each_recipient_alone(app, session, worker, smtp_sink):
    settings = services(app).mail
    queued = queue_mail(session, settings, ["ana@example.org", "Luis@Example.org", "ana@example.org", "no es correo"],
                        "Respuesta a su observación", "La Secretaría respondió:\n\nSe publicó la minuta.",
                        kind="observation.answered")
    session.commit()
    assert [m.to_address for m in queued] == ["ana@example.org", "Luis@example.org"]  # deduplicated, invalid dropped
    assert smtp_sink.messages == []  # nothing is sent from the request's transaction
    worker.drain()
    received = smtp_sink.wait_for(2)
    assert sorted(m["To"] for m in received) == ["Luis@example.org", "ana@example.org"]
    assert all(m["Subject"] == "Respuesta a su observación" and m["From"] == "avisos@evidencias.test"
               for m in received)
    assert "Se publicó la minuta." in received[0].get_content()
    session.expire_all()
    assert all(m.sent_at is not None for m in session.scalars(select(OutgoingMail)))
    worker.drain()
    assert len(smtp_sink.messages) == 2  # never sent twice


def test_without_mail_settings_nothing_is_queued_and_the_admin_page_says_so(app, client, session, make_user):
    assert queue_mail(session, services(app).mail, "ana@example.org", "Asunto", "Texto") == []
    session.commit()
    assert session.scalars(select(OutgoingMail)).all() == []
    make_user("admin@jalisco.gob.mx", "admin")
    login(client, "admin@jalisco.gob.mx")
    page = client.get("/admin/usuarios").get_data(as_text=True)
    assert "El correo no está configurado" in page and "EVIDENCE_REPO_SMTP_HOST" in page


@pytest.mark.mail
def test_the_admin_page_shows_the_mail_server_and_the_outbox(app, client, session, make_user, worker, smtp_sink):
    queue_mail(session, services(app).mail, "ana@example.org", "Asunto", "Texto")
    session.commit()
    make_user("admin@jalisco.gob.mx", "admin")
    login(client, "admin@jalisco.gob.mx")
    page = client.get("/admin/usuarios").get_data(as_text=True)
    assert f"127.0.0.1:{smtp_sink.port}" in page and "En cola: 1" in page
    worker.drain()
    assert "enviados: 1" in client.get("/admin/usuarios").get_data(as_text=True)


def test_a_rolled_back_change_sends_nothing(session):
    settings = MailSettings(host="127.0.0.1", port=1)
    queue_mail(session, settings, "ana@example.org", "Asunto", "Texto")
    session.rollback()
    assert session.scalars(select(OutgoingMail)).all() == []


def test_a_server_that_is_down_leaves_the_message_queued_with_the_error_and_it_is_retried(app, session):
    sessions = services(app).sessions
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once the socket is closed
    down = MailSettings(host="127.0.0.1", port=port, security="none")
    queue_mail(session, down, "ana@example.org", "Asunto", "Texto")
    session.commit()
    assert send_pending(sessions, down) == 0
    session.expire_all()
    mail = session.scalars(select(OutgoingMail)).one()
    assert mail.sent_at is None and mail.attempts == 1 and "Connection" in (mail.last_error or "")
    assert mail.next_try_at is not None and mail.failed_at is None
    assert send_pending(sessions, down) == 0  # backing off: not tried again at once
    session.expire_all()
    assert session.scalars(select(OutgoingMail)).one().attempts == 1
    for _ in range(MAX_ATTEMPTS):
        mail.next_try_at = None
        session.commit()
        send_pending(sessions, down)
        session.expire_all()
        mail = session.scalars(select(OutgoingMail)).one()
    assert mail.failed_at is not None and mail.attempts == MAX_ATTEMPTS  # given up, kept for the admin to see


def test_settings_come_from_the_environment():
    assert not from_environment({}).enabled
    s = from_environment({"EVIDENCE_REPO_SMTP_HOST": "smtp.jalisco.gob.mx", "EVIDENCE_REPO_SMTP_SECURITY": "ssl",
                          "EVIDENCE_REPO_MAIL_FROM": "evidencias@jalisco.gob.mx"})
    assert (s.enabled, s.host, s.port, s.sender) == (True, "smtp.jalisco.gob.mx", 465, "evidencias@jalisco.gob.mx")
    with pytest.raises(ValueError, match="EVIDENCE_REPO_SMTP_SECURITY"):
        from_environment({"EVIDENCE_REPO_SMTP_SECURITY": "tls1"})
