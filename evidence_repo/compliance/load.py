"""Everything the compliance engine needs, read in a fixed number of queries however much evidence exists.

Two ways in. `load_inputs` gives the plan and every evidence as `EvidenceInfo` (with its whole review history), for
callers that replay several dates (the Atom feed) or inspect single rows (tests). `evidence_groups` reads one
commitment's evidence as of one date in three plain Core queries (tuples, no ORM objects, no per-value type
conversion) and groups it the way the engine wants (`engine.EvidenceGroups`); the pages and the API use it.
"""
from __future__ import annotations

import datetime as dt
import gc
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import repeat

from sqlalchemy import ColumnElement, Connection, Integer, case, func, literal, select, type_coerce, union_all
from sqlalchemy.orm import Session, joinedload, selectinload

from evidence_repo.compliance.engine import (
    ActivityInfo,
    EvidenceInfo,
    GroupKey,
    MilestoneInfo,
    RequirementInfo,
    Scope,
)
from evidence_repo.compliance.status import ReviewInfo, ReviewState, review_history
from evidence_repo.evidence.models import Evidence, EvidenceFile, EvidenceReview, Visibility
from evidence_repo.plan.models import Commitment, Milestone, Requirement, VerificationMeans
from evidence_repo.plan.operations import load_commitment

# Restricted evidence with a versión pública: the public opens it (by that version) and counts it, but does not read
# the committee's verdict on it, which judged the evidence's own files.
PUBLIC_VERSION = "public_version"
_AUDIENCES = {2: Visibility.public.value, 1: PUBLIC_VERSION, 0: Visibility.restricted.value}


@dataclass
class ComplianceInputs:
    commitment: Commitment
    milestones: list[MilestoneInfo]
    evidence: list[EvidenceInfo]


def requirement_scope(requirement: Requirement) -> Scope:
    """"each_activity" (every session proves it with its own evidence) or "milestone" (once for the milestone)."""
    return requirement.scope  # type: ignore[return-value]  # the column only holds the two values (plan/scope.py)


def plan_infos(commitment: Commitment) -> list[MilestoneInfo]:
    return [
        MilestoneInfo(
            number=m.number,
            objective=m.objective,
            activities=tuple(ActivityInfo(a.id, a.name, a.date) for a in m.activities),
            requirements=tuple(RequirementInfo(r.means.name, r.activity_id, requirement_scope(r))
                               for r in m.requirements),
        )
        for m in commitment.milestones
    ]


def evidence_infos(session: Session, commitment_id: int | None = None) -> list[EvidenceInfo]:
    """Three queries: evidence rows, review decisions, and replacements (a new version resets the review).

    ``commitment_id``: only that commitment's evidence (milestone numbers repeat across commitments).
    """
    decisions: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    for evidence_id, at, state in session.execute(
        select(EvidenceReview.evidence_id, EvidenceReview.at, EvidenceReview.state).order_by(EvidenceReview.id)
    ):
        decisions[evidence_id].append((at, state))
    replacements: dict[int, list[dt.datetime]] = defaultdict(list)
    for evidence_id, at in session.execute(
        select(EvidenceFile.evidence_id, EvidenceFile.uploaded_at).where(EvidenceFile.version > 1)
    ):
        replacements[evidence_id].append(at)
    query = (
        select(Evidence.id, Milestone.number, Evidence.activity_id, VerificationMeans.name, Evidence.created_at,
               Evidence.visibility)
        .join(Milestone, Milestone.id == Evidence.milestone_id)
        .join(VerificationMeans, VerificationMeans.id == Evidence.means_id)
        .where(Evidence.withdrawn_at.is_(None))  # withdrawn evidence proves nothing any more
    )
    if commitment_id is not None:
        query = query.where(Milestone.commitment_id == commitment_id)
    rows = session.execute(query)
    none: tuple[ReviewInfo, ...] = ()
    return [
        EvidenceInfo(id=i, milestone=number, activity_id=activity, means=means, created_at=created,
                     visibility=visibility,
                     reviews=review_history(decisions[i], replacements[i]) if i in decisions or i in replacements
                     else none)
        for i, number, activity, means, created, visibility in rows
    ]


def load_inputs(session: Session, commitment: Commitment | None = None) -> ComplianceInputs | None:
    commitment = commitment or load_commitment(session)
    if commitment is None:
        return None
    return ComplianceInputs(commitment, plan_infos(commitment), evidence_infos(session, commitment.id))


def load_commitment_by_id(session: Session, commitment_id: int) -> Commitment | None:
    """`plan.operations.load_commitment` for a given commitment: the plan with it, in the same fixed queries."""
    return session.scalar(
        select(Commitment)
        .where(Commitment.id == commitment_id)
        .options(
            joinedload(Commitment.plan),
            selectinload(Commitment.milestones).selectinload(Milestone.activities),
            selectinload(Commitment.milestones).selectinload(Milestone.requirements),
        )
    )


# ------------------------------------------------------------------------------------- the fast path

PENDING: ReviewState = "pendiente"


@dataclass(frozen=True)
class EvidenceGroups:
    """One commitment's evidence as the engine and the pages need it, as of one date."""

    groups: dict[GroupKey, list[int]]  # what existed on the date, by milestone, activity, means and review state
    visibility: dict[int, str]  # evidence id → visibility, for every evidence of the commitment whatever its date
    counts: Mapping[tuple[int, str], int]  # (milestone number, visibility) → how many evidence, whatever their date


def day_after(as_of: dt.date) -> dt.datetime:
    """The first moment after ``as_of`` as stored (naive UTC): ``utc_date(t) <= as_of`` is ``t < day_after(as_of)``,
    so the database compares dates for us instead of Python converting every value."""
    return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())


_gc_lock = threading.Lock()
_gc_readers = 0
_gc_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection during a bulk read. Reading 50,000 rows creates some 100,000 container objects
    that all live until the read ends, and the collector (run every 700 allocations) would scan them over and over:
    measured, it doubled the time of the read. Reference counting still frees everything at once; only the search
    for cycles waits. Thread-safe: collection resumes when the last concurrent read ends, unless it was off before."""
    global _gc_readers, _gc_was_enabled
    with _gc_lock:
        if _gc_readers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_readers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_readers -= 1
            if _gc_readers == 0 and _gc_was_enabled:
                gc.enable()


def evidence_groups(session: Session, commitment: Commitment, as_of: dt.date, *,
                    only: bool | None = None) -> EvidenceGroups:
    """The commitment's evidence grouped as of ``as_of``: two queries (review states, evidence) that read only the
    commitment's rows and only the columns needed, as tuples; Python then works per group (a few hundred), not per
    evidence, except for putting each id in its group. ``only``: whether this is the only commitment (None: ask)."""
    if only is None:
        only = session.scalar(select(func.count()).select_from(Commitment)) == 1
    return evidence_groups_of(session, [commitment], as_of, everything=only)[commitment.id]


def evidence_groups_of(session: Session, commitments: list[Commitment], as_of: dt.date, *,
                       everything: bool = False) -> dict[int, EvidenceGroups]:
    """`evidence_groups` of several commitments (loaded with their milestones and requirements) in the same two
    queries: the portfolio and the home page read every commitment at once instead of once per commitment.
    ``everything``: these are all the commitments there are, so every evidence row is theirs. When they are, reading
    the table straight through is about twice as fast as walking the milestone index and looking each row up."""
    owner: dict[int, int] = {}  # milestone id → commitment id
    numbers: dict[int, int] = {}  # milestone id → its number
    names: dict[tuple[int, int], str] = {}  # (commitment id, means id) → name, for the means the plan requires
    for commitment in commitments:
        for m in commitment.milestones:
            owner[m.id] = commitment.id
            numbers[m.id] = m.number
            # Evidence of other means counts and has a visibility, but no requirement can look for it, so the engine
            # need not see it.
            names.update({(commitment.id, r.means_id): r.means.name for r in m.requirements})
    cutoff = day_after(as_of)
    mine = None if everything else Evidence.milestone_id.in_(list(owner))
    connection = session.connection()  # Core: plain rows, never ORM objects
    with gc_paused():
        state = _review_states(connection, mine, cutoff)
        rows = select(Evidence.milestone_id, Evidence.activity_id, Evidence.means_id,
                      case((Evidence.visibility == Visibility.public.value, 2),
                           (Evidence.public_versions.any(), 1), else_=0),
                      type_coerce(Evidence.created_at < cutoff, Integer), Evidence.id) \
            .where(Evidence.withdrawn_at.is_(None))  # withdrawn evidence proves nothing any more
        raw: dict[tuple[int, int | None, int, int, int], list[int]] = defaultdict(list)
        for milestone_id, activity_id, means_id, public, existed, evidence_id in connection.execute(
                rows if mine is None else rows.where(mine)).all():
            raw[milestone_id, activity_id, means_id, public, existed].append(evidence_id)

        groups: dict[int, dict[GroupKey, list[int]]] = {c.id: defaultdict(list) for c in commitments}
        visibilities: dict[int, dict[int, str]] = {c.id: {} for c in commitments}
        counts: dict[int, Counter[tuple[int, str]]] = {c.id: Counter() for c in commitments}
        for (milestone_id, activity_id, means_id, public, existed), ids in raw.items():
            commitment_id = owner.get(milestone_id)
            if commitment_id is None:  # a milestone added since the plan was read: nobody's here (yet)
                continue
            number = numbers[milestone_id]
            visibility = _AUDIENCES[public]
            visibilities[commitment_id].update(zip(ids, repeat(visibility)))
            counts[commitment_id][number, visibility] += len(ids)
            name = names.get((commitment_id, means_id))
            if not existed or name is None:  # created after the as-of date, or of a means nobody requires
                continue
            mine_groups = groups[commitment_id]
            reviewed = [i for i in ids if i in state]
            if reviewed:
                seen = set(reviewed)
                ids = [i for i in ids if i not in seen]
                for i in reviewed:
                    mine_groups[number, activity_id, name, state[i]].append(i)
            if ids:
                mine_groups[number, activity_id, name, PENDING].extend(ids)
    return {c.id: EvidenceGroups(dict(groups[c.id]), visibilities[c.id], counts[c.id]) for c in commitments}


def _review_states(connection: Connection, mine: ColumnElement[bool] | None,
                   cutoff: dt.datetime) -> dict[int, ReviewState]:
    """Evidence id → review state on the day before ``cutoff``, for the evidence that has any review event by then
    (the others are "pendiente"). The rule of `status.review_state`: the last of the committee decisions and file
    replacements made by then, ordered by time, a decision before a replacement at the same moment (the replacement
    resets it), then by id. The database orders the events; a dict keeps the last one of each evidence."""
    decisions = select(EvidenceReview.evidence_id.label("evidence_id"), EvidenceReview.at.label("at"),
                       literal(0).label("kind"), EvidenceReview.id.label("seq"), EvidenceReview.state.label("state")) \
        .where(EvidenceReview.at < cutoff)
    replacements = select(EvidenceFile.evidence_id, EvidenceFile.uploaded_at, literal(1), EvidenceFile.id,
                          literal(PENDING)) \
        .where(EvidenceFile.version > 1, EvidenceFile.uploaded_at < cutoff)
    if mine is not None:
        scope = select(Evidence.id).where(mine)
        decisions = decisions.where(EvidenceReview.evidence_id.in_(scope))
        replacements = replacements.where(EvidenceFile.evidence_id.in_(scope))
    events = union_all(decisions, replacements).subquery()
    return dict(connection.execute(
        select(events.c.evidence_id, events.c.state).order_by(events.c.at, events.c.kind, events.c.seq)).all())
