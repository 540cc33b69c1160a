"""The committee's agreements (acuerdos): recorded by a committee member at a meeting, answered by staff with a
reply and evidence, and published with a status computed by `compliance.status.agreement_status`.

Plain functions on a Session: the web views, the CLI and the tests call the same ones. Every change is audited
in the caller's transaction, and the mail it causes is queued in that same transaction (the outbox).
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from evidence_repo import policy
from evidence_repo.accounts.models import Role, User, UserRole
from evidence_repo.audit import record
from evidence_repo.committee.models import Agreement, AgreementEvidence
from evidence_repo.compliance.export import csv_bytes
from evidence_repo.compliance.status import AGREEMENT_LABELS, AgreementStatus, agreement_status, utc_date
from evidence_repo.dates import long_date, parse_typed_date
from evidence_repo.db import MAX_INTEGER
from evidence_repo.errors import DomainError
from evidence_repo.evidence.models import Evidence
from evidence_repo.mail.outbox import queue_mail
from evidence_repo.mail.settings import MailSettings
from evidence_repo.plan.models import Commitment, Milestone

MAX_TEXT = 5000
MAX_INSTITUTION = 300
MAX_EVIDENCE = 50
CSV_HEADER = ["acuerdo", "meta", "acuerdo_texto", "institucion_responsable", "fecha_compromiso", "estado",
              "registrado", "respuesta", "respondido", "evidencias", "plan", "compromiso"]


class AgreementError(DomainError):
    """A refusal the committee member or staff can act on (``field`` names the form field)."""


# ------------------------------------------------------------------------------------------------ writes

def _clean_text(value: str | None, field: str, limit: int, missing: Any) -> str:
    text = (value or "").strip()
    if not text:
        raise AgreementError(missing, field)
    if len(text) > limit:
        raise AgreementError(_l("El texto no puede pasar de %(n)s caracteres.", n=limit), field)
    return text


def record_agreement(session: Session, commitment: Commitment, *, milestone_number: int | str | None,
                     text: str | None, institution: str | None, due: str | dt.date | None, user: User,
                     mail: MailSettings | None = None, page_url: str = "") -> Agreement:
    """A committee member records what the meeting agreed; staff hear of it by mail (see `notify_staff`)."""
    try:
        number = int(str(milestone_number or "").strip())
    except ValueError:
        number = None
    milestone = next((m for m in commitment.milestones if m.number == number), None)
    if milestone is None:
        raise AgreementError(_l("Elija la reunión (meta) en la que se tomó el acuerdo."), "milestone")
    body = _clean_text(text, "text", MAX_TEXT, _l("Escriba el acuerdo."))
    who = _clean_text(institution, "institution", MAX_INSTITUTION, _l("Escriba la institución responsable."))
    try:
        due_date = parse_typed_date(due)
    except ValueError as exc:
        raise AgreementError(str(exc), "due") from None
    if due_date is None:
        raise AgreementError(_l("Escriba la fecha compromiso (AAAA-MM-DD o DD/MM/AAAA)."), "due")
    agreement = Agreement(commitment_id=commitment.id, milestone_id=milestone.id, text=body,
                          responsible_institution=who, due_date=due_date, created_by_id=user.id)
    session.add(agreement)
    session.flush()
    record(session, user.id, "agreement.create", "agreement", agreement.id,
           after={"commitment": commitment.slug, "milestone": milestone.number, "text": body, "institution": who,
                  "due": due_date.isoformat()})
    if mail is not None:
        notify_staff(session, mail, agreement, commitment, milestone, page_url, exclude=user)
    return agreement


def notify_staff(session: Session, mail: MailSettings, agreement: Agreement, commitment: Commitment,
                 milestone: Milestone, page_url: str, exclude: User | None = None) -> int:
    """Every active staff account hears of a new agreement (accounts carry no institution, so all of them; the
    one who recorded it excepted). Returns how many messages were queued."""
    staff = session.scalars(select(User).join(UserRole).where(UserRole.role == Role.staff.value,
                                                             User.active.is_(True))).unique().all()
    to = [u.email for u in staff if exclude is None or u.id != exclude.id]
    subject = _("Nuevo acuerdo del comité para %(who)s (vence el %(due)s)", who=agreement.responsible_institution,
                due=long_date(agreement.due_date))
    body = "\n".join([
        _("El Comité de seguimiento registró un acuerdo en la meta %(n)s del compromiso «%(title)s»:",
          n=milestone.number, title=commitment.title),
        "", agreement.text, "",
        _("Institución responsable: %(who)s", who=agreement.responsible_institution),
        _("Fecha compromiso: %(due)s", due=long_date(agreement.due_date)),
        "", _("Respóndalo con la respuesta y las evidencias en: %(url)s", url=page_url) if page_url else "",
    ]).rstrip() + "\n"
    return len(queue_mail(session, mail, to, subject, body, kind="agreement.created"))


def parse_evidence_ids(values: Iterable[str]) -> list[int]:
    """Evidence numbers as people type them ("12, 15 #18") or as checkboxes send them; clear message otherwise."""
    ids: list[int] = []
    for value in values:
        for word in re.split(r"[\s,;]+", value or ""):
            word = word.strip().lstrip("#")
            if not word:
                continue
            if not word.isdigit() or int(word) > MAX_INTEGER:
                raise AgreementError(_l("«%(word)s» no es un número de evidencia.", word=word[:20]), "evidence")
            ids.append(int(word))
    return list(dict.fromkeys(ids))


def answer_agreement(session: Session, agreement: Agreement, *, reply: str | None, evidence_ids: Sequence[int],
                     user: User) -> Agreement:
    """Staff answer an agreement: a reply and evidence of the same commitment (withdrawn evidence is no proof).
    Answering again replaces the answer; the audit trail keeps the previous one."""
    text = _clean_text(reply, "reply", MAX_TEXT, _l("Escriba la respuesta al acuerdo."))
    if len(evidence_ids) > MAX_EVIDENCE:
        raise AgreementError(_l("Vincule a lo más %(n)s evidencias.", n=MAX_EVIDENCE), "evidence")
    found = {e.id: e for e in session.scalars(
        select(Evidence).join(Milestone, Evidence.milestone_id == Milestone.id)
        .where(Evidence.id.in_(list(evidence_ids)), Milestone.commitment_id == agreement.commitment_id,
               Evidence.withdrawn_at.is_(None)))}
    unknown = [i for i in evidence_ids if i not in found]
    if unknown:
        raise AgreementError(_l("La evidencia #%(id)s no existe en este compromiso o fue retirada.", id=unknown[0]),
                             "evidence")
    before = {"reply": agreement.reply, "evidence": [e.id for e in agreement.evidence]}
    session.execute(delete(AgreementEvidence).where(AgreementEvidence.agreement_id == agreement.id))
    session.add_all(AgreementEvidence(agreement_id=agreement.id, evidence_id=i) for i in evidence_ids)
    agreement.reply, agreement.replied_at, agreement.replied_by_id = text, dt.datetime.now(dt.UTC), user.id
    session.flush()
    session.expire(agreement, ["evidence"])
    record(session, user.id, "agreement.answer", "agreement", agreement.id, before=before,
           after={"reply": text, "evidence": list(evidence_ids)})
    return agreement


# ------------------------------------------------------------------------------------------------- reads

def load_agreement(session: Session, agreement_id: int) -> Agreement | None:
    return session.get(Agreement, agreement_id)


def agreements_of(session: Session, commitment: Commitment) -> list[Agreement]:
    """A commitment's agreements, by meeting then in the order they were recorded."""
    return list(session.scalars(
        select(Agreement).join(Milestone, Agreement.milestone_id == Milestone.id)
        .where(Agreement.commitment_id == commitment.id)
        .options(selectinload(Agreement.milestone), selectinload(Agreement.evidence))
        .order_by(Milestone.number, Agreement.id)))


def agreements_at(session: Session, milestone: Milestone) -> list[Agreement]:
    """The agreements made at one meeting (milestone), in the order they were recorded."""
    return list(session.scalars(
        select(Agreement).where(Agreement.milestone_id == milestone.id)
        .options(selectinload(Agreement.evidence))  # the milestone is the caller's, already loaded
        .order_by(Agreement.id)))


def evidence_choices(session: Session, milestone_ids: Iterable[int],
                     per_milestone: int = 100) -> dict[int, list[Evidence]]:
    """For the staff answer form: the newest evidence (not withdrawn) of each milestone that has agreements."""
    return {milestone_id: list(session.scalars(
        select(Evidence).where(Evidence.milestone_id == milestone_id, Evidence.withdrawn_at.is_(None))
        .order_by(Evidence.id.desc()).limit(per_milestone))) for milestone_id in dict.fromkeys(milestone_ids)}


@dataclass(frozen=True)
class LinkedEvidence:
    id: int
    title: str


@dataclass(frozen=True)
class AgreementRow:
    """What a reader sees of one agreement: no person, only the institution; evidence only if they may see it."""

    id: int
    milestone: int
    text: str
    institution: str
    due: dt.date
    status: AgreementStatus
    recorded: dt.date
    reply: str | None
    replied: dt.date | None
    evidence: tuple[LinkedEvidence, ...]

    @property
    def label(self) -> str:
        return str(AGREEMENT_LABELS[self.status])


def rows(agreements: Iterable[Agreement], as_of: dt.date, reader: policy.Person | None) -> list[AgreementRow]:
    """Each agreement as of ``as_of`` (an answer given later does not count yet), for ``reader``: linked evidence
    is named only if the policy lets ``reader`` see it."""
    everything = policy.can_see_restricted(reader)
    out = []
    for a in agreements:
        replied = utc_date(a.replied_at) if a.replied_at else None
        shown = replied is not None and replied <= as_of
        out.append(AgreementRow(
            id=a.id, milestone=a.milestone.number, text=a.text, institution=a.responsible_institution,
            due=a.due_date, status=agreement_status(replied, a.due_date, as_of), recorded=utc_date(a.created_at),
            reply=a.reply if shown else None, replied=replied if shown else None,
            evidence=tuple(LinkedEvidence(e.id, e.title) for e in a.evidence
                           if shown and (everything or policy.can_see_evidence(None, e))),
        ))
    return out


def counts(found: Iterable[AgreementRow]) -> dict[str, int]:
    result = dict.fromkeys(AGREEMENT_LABELS, 0)
    for row in found:
        result[row.status] += 1
    return result


# ----------------------------------------------------------------------------------------------- exports

def open_data(commitment: Commitment, found: Sequence[AgreementRow], as_of: dt.date) -> dict[str, Any]:
    """Open data: codes, not words (the status is "pendiente", "atendido" or "vencido" in every language). The
    JSON download and ``/api/v1/commitments/<slug>/agreements`` both give this."""
    return {
        "as_of": as_of.isoformat(), "plan": commitment.plan.slug, "commitment": commitment.slug,
        "agreements": [{
            "id": r.id, "milestone": r.milestone, "text": r.text, "responsible_institution": r.institution,
            "due": r.due.isoformat(), "status": r.status, "recorded": r.recorded.isoformat(), "reply": r.reply,
            "replied": r.replied.isoformat() if r.replied else None,
            "evidence": [{"id": e.id, "title": e.title} for e in r.evidence],
        } for r in found],
    }


def as_json(commitment: Commitment, found: Sequence[AgreementRow], as_of: dt.date) -> bytes:
    return (json.dumps(open_data(commitment, found, as_of), ensure_ascii=False, indent=2) + "\n").encode()


def as_csv(commitment: Commitment, found: Sequence[AgreementRow]) -> bytes:
    """One row per agreement; through `csv_bytes`, so no cell is ever read as a formula."""
    return csv_bytes([CSV_HEADER] + [[
        str(r.id), str(r.milestone), r.text, r.institution, r.due.isoformat(), r.label, r.recorded.isoformat(),
        r.reply or "", r.replied.isoformat() if r.replied else "", " ".join(str(e.id) for e in r.evidence),
        commitment.plan.slug, commitment.slug,
    ] for r in found])
