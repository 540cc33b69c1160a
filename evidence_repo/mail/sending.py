"""Send what the outbox holds. Several workers may run: each message is claimed by a conditional UPDATE (it
moves ``next_try_at`` forward only if nobody else did), so no message is sent twice by two workers."""
from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from evidence_repo.db import utcnow
from evidence_repo.mail.models import OutgoingMail
from evidence_repo.mail.settings import MailSettings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)  # a worker killed while sending leaves the message to be sent again after this


def _due(now):
    return (OutgoingMail.sent_at.is_(None), OutgoingMail.failed_at.is_(None),
            or_(OutgoingMail.next_try_at.is_(None), OutgoingMail.next_try_at <= now))


def claim_one(session: Session) -> OutgoingMail | None:
    now = utcnow()
    for mail_id, seen in session.execute(select(OutgoingMail.id, OutgoingMail.next_try_at).where(*_due(now))
                                         .order_by(OutgoingMail.id).limit(20)).all():
        cond = OutgoingMail.next_try_at.is_(None) if seen is None else OutgoingMail.next_try_at == seen
        taken = session.execute(update(OutgoingMail).where(OutgoingMail.id == mail_id, OutgoingMail.sent_at.is_(None),
                                                           cond).values(next_try_at=now + LEASE))
        session.commit()
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return session.get(OutgoingMail, mail_id)
    return None


def as_message(settings: MailSettings, mail: OutgoingMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body)
    return message


def connect(settings: MailSettings) -> smtplib.SMTP:
    assert settings.host
    if settings.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                              context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    if settings.username:
        smtp.login(settings.username, settings.password or "")
    return smtp


def send_pending(sessions: sessionmaker[Session], settings: MailSettings, limit: int = 50) -> int:
    """Send up to ``limit`` due messages over one connection; returns how many were sent. A failure is recorded
    on the message, which is tried again later (backing off) and given up after MAX_ATTEMPTS."""
    if not settings.enabled:
        return 0
    sent = 0
    smtp: smtplib.SMTP | None = None
    try:
        with sessions() as session:
            while sent < limit and (mail := claim_one(session)) is not None:
                try:
                    smtp = smtp or connect(settings)
                    smtp.send_message(as_message(settings, mail))
                except (OSError, smtplib.SMTPException) as exc:
                    mail.attempts += 1
                    mail.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                    if mail.attempts >= MAX_ATTEMPTS:
                        mail.failed_at = utcnow()
                    mail.next_try_at = utcnow() + timedelta(seconds=min(30 * 2 ** mail.attempts, 6 * 3600))
                    session.commit()
                    log.warning("mail %s to %s not sent: %s", mail.id, mail.to_address, mail.last_error)
                    if smtp is not None:
                        _quit(smtp)
                        smtp = None
                    break  # the server is likely down: the rest waits for the next round
                mail.sent_at, mail.attempts, mail.last_error = utcnow(), mail.attempts + 1, None
                session.commit()
                sent += 1
    finally:
        if smtp is not None:
            _quit(smtp)
    return sent


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        pass


def outbox_counts(session: Session) -> dict[str, int]:
    """What the admin's mail page shows: waiting, sent and given up."""
    def count(*where) -> int:
        return session.scalar(select(func.count()).select_from(OutgoingMail).where(*where)) or 0

    return {
        "waiting": count(OutgoingMail.sent_at.is_(None), OutgoingMail.failed_at.is_(None)),
        "sent": count(OutgoingMail.sent_at.is_not(None)),
        "failed": count(OutgoingMail.failed_at.is_not(None)),
    }
