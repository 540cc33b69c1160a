"""Queue a message in the caller's transaction (the outbox); the worker sends it (``sending.send_pending``)."""
from __future__ import annotations

from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from evidence_repo.mail.models import OutgoingMail
from evidence_repo.mail.settings import MailSettings


def usable_address(address: str | None) -> str | None:
    """The address normalised, or None when it is not one mail can go to (no DNS lookup: that is the server's)."""
    if not address:
        return None
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def queue_mail(session: Session, settings: MailSettings, to: str | Iterable[str], subject: str, body: str, *,
               kind: str = "") -> list[OutgoingMail]:
    """One message per recipient (no recipient sees another's address). Nothing is queued without mail settings
    or for an unusable address; returns what was queued."""
    if not settings.enabled:
        return []
    recipients = [to] if isinstance(to, str) else list(to)
    queued: list[OutgoingMail] = []
    for address in dict.fromkeys(filter(None, map(usable_address, recipients))):
        mail = OutgoingMail(to_address=address, subject=" ".join(subject.split())[:300], body=body, kind=kind)
        session.add(mail)
        queued.append(mail)
    return queued
