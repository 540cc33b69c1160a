"""Lists of evidence people work through: the staff list (filters, sorting, pages), "Observadas", "Mías" and the
committee's "Pendientes de revisión" queue with its "siguiente".

One query builder, so every list applies the same visibility rule (restricted and withdrawn evidence only for
those who may see it) and the review-state rule of the compliance engine (`compliance.status.review_state`: the
latest committee decision, unless a newer file version reset it to "pendiente"), computed by the database so
that filtering and counting work on pages of any size, on SQLite and PostgreSQL alike.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, joinedload, selectinload

from evidence_repo.accounts.models import User
from evidence_repo.db import MAX_INTEGER, fold_for_lookup, folded
from evidence_repo.evidence.models import Evidence, EvidenceFile, EvidenceReview, ReviewState
from evidence_repo.evidence.operations import public_evidence_clause
from evidence_repo.plan.models import Commitment, Milestone, VerificationMeans

PER_PAGE = 25
REVIEW_STATES = tuple(s.value for s in ReviewState)
VISIBILITIES = ("public", "restricted", "withdrawn")
SORTS = ("recientes", "antiguas", "fecha", "titulo", "meta")
MAX_TEXT = 200
MINE = "yo"
_DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII digits only: "²".isdigit() is True, int("²") fails


@dataclass(frozen=True)
class EvidenceFilters:
    """What a list shows; every field optional and combinable. Built from a query string by :func:`parse`."""

    review_state: str | None = None
    commitment: str | None = None  # slug
    milestone: int | None = None  # number within the commitment (every commitment numbers from 1)
    means_id: int | None = None
    visibility: str | None = None  # public, restricted, withdrawn
    text: str | None = None
    uploaded_by: int | None = None
    sort: str = "recientes"

    def query_args(self, me: int | None = None) -> dict[str, Any]:
        """The query string that gives these filters back (what :func:`parse` reads)."""
        args = {"estado": self.review_state, "compromiso": self.commitment, "meta": self.milestone,
                "medio": self.means_id, "visibilidad": self.visibility, "texto": self.text,
                "subida_por": (MINE if self.uploaded_by is not None and self.uploaded_by == me else self.uploaded_by),
                "orden": None if self.sort == "recientes" else self.sort}
        return {k: v for k, v in args.items() if v not in (None, "")}


@dataclass(frozen=True)
class EvidencePage:
    rows: list[Evidence]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)

    def numbers(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last and those near this one; None where a run is left out."""
        keep = {1, self.pages} | set(range(max(self.page - around, 1), min(self.page + around, self.pages) + 1))
        out: list[int | None] = []
        for n in sorted(keep):
            previous = out[-1] if out else None
            if previous is not None and n - previous > 1:
                out.append(None)
            out.append(n)
        return out


def _small_int(value: str | None) -> int | None:
    """A positive number a database column can hold, or None for anything else (bad input is ignored)."""
    if value is None or not _DIGITS.fullmatch(value.strip()):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_INTEGER else None


def parse(args: Mapping[str, str], me: int | None = None) -> EvidenceFilters:
    """Filters from a query string. Unknown or malformed values are dropped, so any address gives a page."""
    state = args.get("estado") or None
    visibility = args.get("visibilidad") or None
    sort = args.get("orden") or "recientes"
    text = " ".join((args.get("texto") or "").split())[:MAX_TEXT] or None
    uploader = args.get("subida_por") or None
    return EvidenceFilters(
        review_state=state if state in REVIEW_STATES else None,
        commitment=(args.get("compromiso") or "").strip()[:200] or None,
        milestone=_small_int(args.get("meta")),
        means_id=_small_int(args.get("medio")),
        visibility=visibility if visibility in VISIBILITIES else None,
        text=text,
        uploaded_by=me if uploader == MINE else _small_int(uploader),
        sort=sort if sort in SORTS else "recientes",
    )


def page_number(value: str | None) -> int:
    """``?pagina=``: 1 unless it is a number a database can hold (the page is then clamped to the last one)."""
    return _small_int(value) or 1


def review_state_column() -> ColumnElement[str]:
    """Each evidence's review state now, as an SQL expression (a correlated subquery on the evidence row).

    The events are the committee's decisions and the file replacements (version > 1, which reset the decision);
    the latest one wins, a replacement after a decision at the same moment, then by id: the engine's rule."""
    decisions = select(EvidenceReview.evidence_id.label("evidence_id"), EvidenceReview.at.label("at"),
                       literal(0).label("kind"), EvidenceReview.id.label("seq"), EvidenceReview.state.label("state"))
    replacements = select(EvidenceFile.evidence_id, EvidenceFile.uploaded_at, literal(1), EvidenceFile.id,
                          literal(ReviewState.pending.value)).where(EvidenceFile.version > 1)
    events = union_all(decisions, replacements).subquery("review_events")
    latest = (select(events.c.state).where(events.c.evidence_id == Evidence.id)
              .order_by(events.c.at.desc(), events.c.kind.desc(), events.c.seq.desc()).limit(1)
              .correlate(Evidence).scalar_subquery())
    return func.coalesce(latest, ReviewState.pending.value)


def _filtered(filters: EvidenceFilters, include_restricted: bool) -> Select:
    state = review_state_column()
    query = select(Evidence).join(Milestone, Milestone.id == Evidence.milestone_id) \
        .join(Commitment, Commitment.id == Milestone.commitment_id)
    if not include_restricted:
        query = query.where(public_evidence_clause())
    if filters.review_state:
        query = query.where(state == filters.review_state)
    if filters.commitment:
        query = query.where(Commitment.slug == filters.commitment)
    if filters.milestone is not None:
        query = query.where(Milestone.number == filters.milestone)
    if filters.means_id is not None:
        query = query.where(Evidence.means_id == filters.means_id)
    if filters.visibility == "withdrawn":
        query = query.where(Evidence.withdrawn_at.is_not(None))
    elif filters.visibility:
        query = query.where(Evidence.visibility == filters.visibility, Evidence.withdrawn_at.is_(None))
    if filters.text:
        # without case or accents on both sides: "reunion" finds "Reunión", "TAPATÍA" finds "Tapatía"
        needle = fold_for_lookup(filters.text)
        query = query.where(or_(*(folded(column).contains(needle, autoescape=True)
                                  for column in (Evidence.title, Evidence.description))))
    if filters.uploaded_by is not None:
        query = query.where(Evidence.uploaded_by_id == filters.uploaded_by)
    return query


def _order(sort: str) -> list[Any]:
    newest: list[Any] = [Evidence.created_at.desc(), Evidence.id.desc()]
    orders: dict[str, list[Any]] = {
        "recientes": newest,
        "antiguas": [Evidence.created_at, Evidence.id],
        "fecha": [Evidence.session_date.is_(None), Evidence.session_date.desc(), *newest],
        "titulo": [folded(Evidence.title), Evidence.id],
        "meta": [Commitment.slug, Milestone.number, *newest],
    }
    return orders[sort]


def evidence_page(session: Session, filters: EvidenceFilters, *, include_restricted: bool, page: int = 1,
                  per_page: int = PER_PAGE) -> EvidencePage:
    """A page of the filtered list (a page beyond the last gives the last), in a count and three queries."""
    return _paged(session, _filtered(filters, include_restricted), _order(filters.sort), page, per_page)


def _paged(session: Session, query: Select, order: list, page: int, per_page: int) -> EvidencePage:
    """One page of ``query`` in ``order``; a page beyond the last gives the last."""
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = min(max(page, 1), max((total + per_page - 1) // per_page, 1))
    rows = session.scalars(
        query.options(joinedload(Evidence.milestone).joinedload(Milestone.commitment), joinedload(Evidence.means),
                      joinedload(Evidence.activity), joinedload(Evidence.uploaded_by),
                      selectinload(Evidence.files), selectinload(Evidence.reviews))
        .order_by(*order).offset((page - 1) * per_page).limit(per_page)
    ).unique().all()
    return EvidencePage(list(rows), total, page, per_page)


# ------------------------------------------------------------------------------------ the committee's queue

def review_queue(filters: EvidenceFilters) -> EvidenceFilters:
    """The committee's queue: what is pending review under ``filters`` (commitment, milestone, means), oldest
    first. Withdrawn evidence is not public any more and waits for nobody."""
    return replace(filters, review_state=ReviewState.pending.value, sort="antiguas",
                   visibility=None if filters.visibility == "withdrawn" else filters.visibility)


def _queue_query(filters: EvidenceFilters, include_restricted: bool) -> Select:
    return _filtered(review_queue(filters), include_restricted).where(Evidence.withdrawn_at.is_(None))


def queue_page(session: Session, filters: EvidenceFilters, *, include_restricted: bool, page: int = 1,
               per_page: int = PER_PAGE) -> EvidencePage:
    """A page of the committee's queue (restricted evidence only for those who may see it)."""
    return _paged(session, _queue_query(filters, include_restricted), [Evidence.created_at, Evidence.id], page,
                  per_page)


def _after(evidence: Evidence) -> ColumnElement[bool]:
    return or_(Evidence.created_at > evidence.created_at,
               and_(Evidence.created_at == evidence.created_at, Evidence.id > evidence.id))


def next_in_queue(session: Session, filters: EvidenceFilters, after: Evidence | None = None, *,
                  include_restricted: bool) -> int | None:
    """The id of the item that follows ``after`` in the queue (wrapping round to the oldest, never ``after``
    itself), the oldest when ``after`` is None; None when nothing else is pending under these filters."""
    base = _queue_query(filters, include_restricted).with_only_columns(Evidence.id) \
        .order_by(Evidence.created_at, Evidence.id).limit(1)
    if after is None:
        return session.scalar(base)
    return session.scalar(base.where(_after(after))) or session.scalar(base.where(Evidence.id != after.id))


def queue_position(session: Session, filters: EvidenceFilters, evidence: Evidence, *,
                   include_restricted: bool) -> tuple[int, int] | None:
    """(position, total) of ``evidence`` in the queue, or None when it is not (or no longer) in it."""
    query = _queue_query(filters, include_restricted)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    inside = session.scalar(select(func.count()).select_from(query.where(Evidence.id == evidence.id).subquery()))
    if not inside:
        return None
    before = session.scalar(select(func.count()).select_from(
        query.where(~_after(evidence), Evidence.id != evidence.id).subquery())) or 0
    return before + 1, total


@dataclass(frozen=True)
class FilterChoices:
    """What the filter form offers: (value, label) pairs read from the database."""

    commitments: list[tuple[str, str]]
    milestones: list[int]
    means: list[tuple[int, str]]
    uploaders: list[tuple[int, str]]


def filter_choices(session: Session, filters: EvidenceFilters) -> FilterChoices:
    """The commitments, milestone numbers (of the chosen commitment, else of all), means and uploaders to offer."""
    commitments = [(slug, title) for slug, title in session.execute(
        select(Commitment.slug, Commitment.title).order_by(Commitment.plan_id, Commitment.position, Commitment.id))]
    numbers = select(Milestone.number).distinct().order_by(Milestone.number)
    if filters.commitment:
        numbers = numbers.join(Commitment, Commitment.id == Milestone.commitment_id) \
            .where(Commitment.slug == filters.commitment)
    means = [(i, name) for i, name in session.execute(
        select(VerificationMeans.id, VerificationMeans.name).order_by(VerificationMeans.name))]
    uploaders = [(i, name or email) for i, name, email in session.execute(
        select(User.id, User.name, User.email).where(User.id.in_(select(Evidence.uploaded_by_id)))
        .order_by(User.email))]
    return FilterChoices(commitments, list(session.scalars(numbers)), means, uploaders)
