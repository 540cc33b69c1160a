"""The committee's weekly digest: what became vencido (agreements and milestones) since the last digest.

Run by `evidence-repo digest` (weekly, from cron or a systemd timer). What one digest reports is remembered
(`DigestEntry`: subject, id, due date), so the next run only tells what is new; an item whose due date moves and
passes again is news again. Nothing is remembered when no message could be queued (no mail settings, no
committee account): those items wait for a digest that reaches someone.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from evidence_repo.accounts.models import Role, User, UserRole
from evidence_repo.audit import record
from evidence_repo.committee.models import Agreement, DigestEntry
from evidence_repo.compliance.status import DEFAULT_SOON_DAYS, agreement_status, utc_date
from evidence_repo.compliance.views import compute_many
from evidence_repo.dates import long_date
from evidence_repo.mail.outbox import queue_mail
from evidence_repo.mail.settings import MailSettings
from evidence_repo.plan.models import Commitment


@dataclass(frozen=True)
class OverdueItem:
    subject: str  # "agreement" | "milestone"
    subject_id: int
    due: dt.date
    line: str  # how the digest words it


@dataclass(frozen=True)
class DigestResult:
    items: tuple[OverdueItem, ...]
    recipients: int

    @property
    def sent(self) -> bool:
        return bool(self.items) and self.recipients > 0


def overdue(session: Session, as_of: dt.date, soon_days: int = DEFAULT_SOON_DAYS) -> list[OverdueItem]:
    """Everything vencido on ``as_of``: agreements (by `agreement_status`) and milestones (by the compliance engine)."""
    items: list[OverdueItem] = []
    for a in session.scalars(select(Agreement).options(selectinload(Agreement.milestone),
                                                       selectinload(Agreement.commitment)).order_by(Agreement.id)):
        replied = utc_date(a.replied_at) if a.replied_at else None
        if agreement_status(replied, a.due_date, as_of) == "vencido":
            items.append(OverdueItem("agreement", a.id, a.due_date, _(
                "Acuerdo %(id)s (%(title)s, meta %(n)s) a cargo de %(who)s, vencido el %(due)s: %(text)s",
                id=a.id, title=a.commitment.title[:80], n=a.milestone.number, who=a.responsible_institution,
                due=long_date(a.due_date), text=a.text[:200])))
    commitments = list(session.scalars(select(Commitment).order_by(Commitment.id)))
    results = compute_many(session, commitments, as_of, soon_days)
    for commitment in commitments:
        c = results.get(commitment.id)
        if c is None:
            continue
        ids = {m.number: m.id for m in commitment.milestones}
        for m in c.assessment.milestones:
            if m.status == "vencido" and m.due is not None:
                items.append(OverdueItem("milestone", ids[m.number], m.due, _(
                    "Meta %(n)s de «%(title)s», vencida el %(due)s (faltan: %(missing)s)",
                    n=m.number, title=commitment.title[:80], due=long_date(m.due),
                    missing=", ".join(m.missing) or "—")))
    return items


def not_yet_reported(session: Session, items: list[OverdueItem]) -> list[OverdueItem]:
    reported = {tuple(row) for row in session.execute(
        select(DigestEntry.subject, DigestEntry.subject_id, DigestEntry.due_date))}
    return [i for i in items if (i.subject, i.subject_id, i.due) not in reported]


def committee_addresses(session: Session) -> list[str]:
    return list(session.scalars(select(User.email).join(UserRole).where(
        UserRole.role == Role.committee.value, User.active.is_(True)).order_by(User.email)))


def send_digest(session: Session, mail: MailSettings, as_of: dt.date, soon_days: int = DEFAULT_SOON_DAYS,
                site_url: str = "") -> DigestResult:
    """Queue one digest per committee member with what became vencido since the last one, and remember it.
    The caller commits (the messages and the memory go together)."""
    new = not_yet_reported(session, overdue(session, as_of, soon_days))
    if not new:
        return DigestResult((), 0)
    agreements = [i.line for i in new if i.subject == "agreement"]
    milestones = [i.line for i in new if i.subject == "milestone"]
    parts = [_("Esto venció desde el último resumen (situación al %(date)s):", date=long_date(as_of)), ""]
    if agreements:
        parts += [_("Acuerdos del comité vencidos:"), *(f"- {line}" for line in agreements), ""]
    if milestones:
        parts += [_("Metas vencidas:"), *(f"- {line}" for line in milestones), ""]
    if site_url:
        parts.append(_("Consúltelo en %(url)s", url=site_url))
    subject = _("Resumen semanal: %(n)s vencidos desde el último resumen", n=len(new))
    queued = queue_mail(session, mail, committee_addresses(session), subject, "\n".join(parts).rstrip() + "\n",
                        kind="committee.digest")
    if not queued:
        return DigestResult(tuple(new), 0)
    session.add_all(DigestEntry(subject=i.subject, subject_id=i.subject_id, due_date=i.due) for i in new)
    session.flush()
    record(session, None, "committee.digest", "digest", None,
           after={"as_of": as_of.isoformat(), "agreements": [i.subject_id for i in new if i.subject == "agreement"],
                  "milestones": [i.subject_id for i in new if i.subject == "milestone"], "recipients": len(queued)})
    return DigestResult(tuple(new), len(queued))
