"""Observations: sending, moderating, answering, and what the public may read of them.

Plain functions on a Session (the caller commits). Each change is audited and, when it concerns someone, puts
a message in the mail outbox in the same transaction. The rule "what may the public read" is
:func:`public_clause`: accepted observations, never those on restricted or withdrawn evidence.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, distinct, func, or_, select
from sqlalchemy.orm import Session, selectinload

from evidence_repo.accounts.models import User, UserRole
from evidence_repo.audit import record
from evidence_repo.db import utcnow
from evidence_repo.errors import DomainError
from evidence_repo.evidence.models import Evidence, Visibility
from evidence_repo.evidence.privacy import scan
from evidence_repo.mail.outbox import queue_mail, usable_address
from evidence_repo.mail.settings import MailSettings
from evidence_repo.participation.models import (
    MAX_ANSWER,
    MAX_NAME,
    MAX_REASON,
    MAX_TEXT,
    PUBLIC_STATUSES,
    PUBLICADA,
    RECHAZADA,
    RECIBIDA,
    RESPONDIDA,
    Observation,
)
from evidence_repo.plan.models import Milestone


class ObservationError(DomainError):
    """A refusal the sender or moderator can act on (``field`` names the form field)."""


def _clean(value: str | None) -> str:
    return (value or "").replace("\r\n", "\n").strip()


def submit(session: Session, mail: MailSettings, *, milestone: Milestone, evidence: Evidence | None, text: str | None,
           name: str | None = None, email: str | None = None, queue_link: str = "") -> Observation:
    """A citizen's observation, ``recibida`` until a moderator accepts it. Personal data in the text is flagged
    for the moderators; the staff who uploaded the evidence (or work on the milestone) hear of it."""
    body, who, address = _clean(text), " ".join(_clean(name).split()), _clean(email)
    if not body:
        raise ObservationError(_l("Escriba su observación o pregunta."), "text")
    if len(body) > MAX_TEXT:
        raise ObservationError(_l("La observación es demasiado larga: como máximo %(n)s caracteres.", n=MAX_TEXT),
                               "text")
    if len(who) > MAX_NAME:
        raise ObservationError(_l("El nombre es demasiado largo: como máximo %(n)s caracteres.", n=MAX_NAME), "name")
    normalised = usable_address(address) if address else None
    if address and normalised is None:
        raise ObservationError(_l("Ese correo electrónico no es válido. Corríjalo o déjelo vacío."), "email")
    if evidence is not None and evidence.milestone_id != milestone.id:
        raise ObservationError(_l("La evidencia no pertenece a esa meta."))
    observation = Observation(milestone_id=milestone.id, evidence_id=evidence.id if evidence else None, text=body,
                              name=who or None, email=normalised, status=RECIBIDA, personal_data=scan(body),
                              created_at=utcnow())
    session.add(observation)
    session.flush()
    record(session, None, "observation.submit", "observation", observation.id,
           after={"milestone_id": milestone.id, "evidence_id": observation.evidence_id, "status": RECIBIDA,
                  "text": body, "name": observation.name, "personal_data": observation.personal_data})
    subject = (_l("Nueva observación ciudadana sobre la evidencia #%(id)s", id=evidence.id) if evidence
               else _l("Nueva observación ciudadana sobre la meta %(n)s", n=milestone.number))
    queue_mail(session, mail, _staff_to_tell(session, milestone, evidence), str(subject),
               str(_l("Se recibió una observación ciudadana que espera moderación:\n\n%(text)s\n\n"
                      "Revísela en %(link)s\n", text=body, link=queue_link)),
               kind="observation.received")
    return observation


def _staff_to_tell(session: Session, milestone: Milestone, evidence: Evidence | None) -> list[str]:
    """The active uploader of the evidence; for a milestone, the active staff who uploaded its evidence; if
    nobody, every active staff account."""
    active_staff = (select(User.email).join(UserRole, UserRole.user_id == User.id)
                    .where(User.active.is_(True), UserRole.role.in_(("staff", "admin"))))
    if evidence is not None:
        found = session.scalars(active_staff.where(User.id == evidence.uploaded_by_id)).all()
    else:
        uploaders = select(Evidence.uploaded_by_id).where(Evidence.milestone_id == milestone.id)
        found = session.scalars(active_staff.where(User.id.in_(uploaders))).all()
    if not found:
        found = session.scalars(active_staff.where(UserRole.role == "staff")).all()
    return sorted(set(found))


def moderate(session: Session, observation: Observation, user: Any, *, accept: bool,
             reason: str | None = None) -> None:
    """Accept (``publicada``) or reject (``rechazada``, with a reason kept for moderators) a received one."""
    if observation.status != RECIBIDA:
        raise ObservationError(_l("Esta observación ya fue moderada."))
    why = _clean(reason)
    if not accept and not why:
        raise ObservationError(_l("Escriba el motivo del rechazo (no se publica)."), "reason")
    if len(why) > MAX_REASON:
        raise ObservationError(_l("El motivo es demasiado largo: como máximo %(n)s caracteres.", n=MAX_REASON),
                               "reason")
    before = {"status": observation.status}
    observation.status = PUBLICADA if accept else RECHAZADA
    observation.rejection_reason = None if accept else why
    observation.moderated_at, observation.moderated_by_id = utcnow(), user.id
    record(session, user.id, "observation.accept" if accept else "observation.reject", "observation",
           observation.id, before=before,
           after={"status": observation.status, **({} if accept else {"reason": why})})


def answer(session: Session, mail: MailSettings, observation: Observation, user: Any, text: str | None, *,
           link: str = "") -> bool:
    """The official answer to a published observation (it may be corrected later); the citizen who left an
    e-mail hears of it, with ``link`` to the page where it is shown. False when the text is the published one."""
    body = _clean(text)
    if observation.status not in PUBLIC_STATUSES:
        raise ObservationError(_l("Primero acepte la observación; sólo se responden las publicadas."))
    if not body:
        raise ObservationError(_l("Escriba la respuesta."), "answer")
    if len(body) > MAX_ANSWER:
        raise ObservationError(_l("La respuesta es demasiado larga: como máximo %(n)s caracteres.", n=MAX_ANSWER),
                               "answer")
    if body == observation.answer:
        return False  # the same answer again: nothing changes, nobody is told twice
    correction = observation.status == RESPONDIDA
    before = {"status": observation.status, "answer": observation.answer}
    observation.status, observation.answer, observation.answered_by_id = RESPONDIDA, body, user.id
    if correction:  # the answer keeps the date it was first given; the correction has its own
        observation.answer_corrected_at = utcnow()
    else:
        observation.answered_at = utcnow()
    record(session, user.id, "observation.answer", "observation", observation.id, before=before,
           after={"status": RESPONDIDA, "answer": body})
    if observation.email:
        words = {"text": observation.text, "answer": body, "link": link}
        if correction:
            subject = _l("Se corrigió la respuesta a su observación")
            message = _l("Se corrigió la respuesta oficial a la observación que envió:\n\n%(text)s\n\n"
                         "Respuesta corregida:\n\n%(answer)s\n\nPuede verla en %(link)s\n", **words)
        else:
            subject = _l("Respuesta a su observación")
            message = _l("Respondieron a la observación que envió:\n\n%(text)s\n\nRespuesta oficial:\n\n"
                         "%(answer)s\n\nPuede verla en %(link)s\n", **words)
        queue_mail(session, mail, observation.email, str(subject), str(message), kind="observation.answered")
    return True


def public_clause() -> ColumnElement[bool]:
    """Accepted observations on a milestone, or on evidence the public may see (public, not withdrawn)."""
    visible_evidence = select(Evidence.id).where(Evidence.visibility == Visibility.public.value,
                                                 Evidence.withdrawn_at.is_(None))
    return and_(Observation.status.in_(PUBLIC_STATUSES),
                or_(Observation.evidence_id.is_(None), Observation.evidence_id.in_(visible_evidence)))


def public_observations(session: Session, *, milestone_id: int | None = None, evidence_id: int | None = None,
                        commitment_id: int | None = None, newest_first: bool = False,
                        limit: int | None = None) -> Sequence[Observation]:
    query = select(Observation).where(public_clause()).options(
        selectinload(Observation.milestone).selectinload(Milestone.commitment), selectinload(Observation.evidence))
    if milestone_id is not None:
        query = query.where(Observation.milestone_id == milestone_id)
    if evidence_id is not None:
        query = query.where(Observation.evidence_id == evidence_id)
    if commitment_id is not None:
        query = query.where(Observation.milestone_id.in_(
            select(Milestone.id).where(Milestone.commitment_id == commitment_id)))
    order = Observation.created_at.desc() if newest_first else Observation.created_at
    return session.scalars(query.order_by(order, Observation.id).limit(limit)).all()


def unanswered_counts(session: Session, commitment_id: int) -> dict[int, int]:
    """Milestone number -> public questions waiting for an answer (the dashboard's "3 preguntas sin respuesta")."""
    rows = session.execute(
        select(Milestone.number, func.count(distinct(Observation.id))).join(Milestone)
        .where(public_clause(), Observation.status == PUBLICADA, Milestone.commitment_id == commitment_id)
        .group_by(Milestone.number))
    return {number: count for number, count in rows}


# What the moderation page shows of each observation: where it was left.
_PLACE = (selectinload(Observation.milestone).selectinload(Milestone.commitment), selectinload(Observation.evidence))


def moderation_queue(session: Session) -> tuple[Sequence[Observation], Sequence[Observation]]:
    """(received, oldest first; published and waiting for an answer, oldest first)."""

    def by(status: str) -> Sequence[Observation]:
        return session.scalars(select(Observation).where(Observation.status == status).options(*_PLACE)
                               .order_by(Observation.created_at, Observation.id)).all()

    return by(RECIBIDA), by(PUBLICADA)


def recently_answered(session: Session, limit: int = 20) -> Sequence[Observation]:
    """The newest answered observations, newest answer first: where moderators correct an answer."""
    return session.scalars(
        select(Observation).where(Observation.status == RESPONDIDA).options(*_PLACE)
        .order_by(Observation.answered_at.desc(), Observation.id.desc()).limit(limit)).all()


def load_observation(session: Session, observation_id: int) -> Observation | None:
    return session.get(Observation, observation_id)


@dataclass(frozen=True)
class PublicRow:
    """What open data says of an observation: never the e-mail, the moderator or a rejection."""
    id: int
    commitment: str
    milestone: int
    evidence_id: int | None
    name: str | None
    text: str
    sent_at: str
    status: str
    answer: str | None
    answered_at: str | None
    answer_corrected_at: str | None


def public_rows(observations: Sequence[Observation]) -> list[PublicRow]:
    return [PublicRow(o.id, o.milestone.commitment.slug, o.milestone.number, o.evidence_id, o.name, o.text,
                      o.created_at.isoformat(timespec="seconds"), o.status,
                      o.answer if o.status == RESPONDIDA else None,
                      o.answered_at.isoformat(timespec="seconds") if o.answered_at and o.status == RESPONDIDA
                      else None,
                      o.answer_corrected_at.isoformat(timespec="seconds")
                      if o.answer_corrected_at and o.status == RESPONDIDA else None)
                  for o in observations if o.is_public]

