"""Everything the compliance engine needs, read in a fixed number of queries however much evidence exists.

Two ways in. `load_inputs` gives the plan and every evidence as `EvidenceInfo` (with its whole review history), for
callers that replay several dates (the Atom feed) or inspect single rows (tests). `evidence_groups` reads one
commitment's evidence as of one date in three plain Core queries (tuples, no ORM objects, no per-value type
conversion) and groups it the way the engine wants (`engine.EvidenceGroups`); the pages and the API use it.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import repeat

from sqlalchemy import Integer, func, literal, select, type_coerce, union_all
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
from evidence_repo.evidence.models import Evidence, EvidenceFile, EvidenceReview
from evidence_repo.plan.models import Commitment, Milestone, Requirement, VerificationMeans
from evidence_repo.plan.operations import load_commitment


@dataclass
class ComplianceInputs:
    commitment: Commitment
    milestones: list[MilestoneInfo]
    evidence: list[EvidenceInfo]


def requirement_scope(requirement: Requirement) -> Scope:
    """"each_activity" (every session proves it with its own evidence) or "milestone" (once for the milestone)."""
    # TODO(plans-model): read `requirement.scope` directly once the column and its migration land (branch
    # plans-model); until then every stored requirement is "milestone", the rule before scopes existed.
    return getattr(requirement, "scope", None) or "milestone"


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


def evidence_infos(session: Session) -> list[EvidenceInfo]:
    """Three queries: evidence rows, review decisions, and replacements (a new version resets the review)."""
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
    rows = session.execute(
        select(Evidence.id, Milestone.number, Evidence.activity_id, VerificationMeans.name, Evidence.created_at,
               Evidence.visibility)
        .join(Milestone, Milestone.id == Evidence.milestone_id)
        .join(VerificationMeans, VerificationMeans.id == Evidence.means_id)
    )
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
    return ComplianceInputs(commitment, plan_infos(commitment), evidence_infos(session))


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


def evidence_groups(session: Session, commitment: Commitment, as_of: dt.date) -> EvidenceGroups:
    """The commitment's evidence grouped as of ``as_of``, in three queries (catalogue of means, review events,
    evidence) that read only the commitment's rows and only the columns needed, as plain tuples.

    Review state on ``as_of`` by the rule of `status.review_state`: the last of the decisions and file replacements
    made on or before that day, ordered by time, a decision before a replacement at the same moment, then by id.
    The database orders them, and a dict keeps the last one per evidence.
    """
    numbers = {m.id: m.number for m in commitment.milestones}
    cutoff = day_after(as_of)
    # Every evidence belongs to the only commitment there is: reading the table straight through is then about
    # twice as fast as walking the milestone index and looking each row up.
    only = session.scalar(select(func.count()).select_from(Commitment)) == 1
    mine = Evidence.milestone_id.in_(list(numbers))
    connection = session.connection()  # Core: rows are tuples, never ORM objects

    means = dict(connection.execute(select(VerificationMeans.id, VerificationMeans.name)).all())

    decisions = select(EvidenceReview.evidence_id.label("evidence_id"), EvidenceReview.at.label("at"),
                       literal(0).label("kind"), EvidenceReview.id.label("seq"), EvidenceReview.state.label("state")) \
        .where(EvidenceReview.at < cutoff)
    replacements = select(EvidenceFile.evidence_id, EvidenceFile.uploaded_at, literal(1), EvidenceFile.id,
                          literal(PENDING)) \
        .where(EvidenceFile.version > 1, EvidenceFile.uploaded_at < cutoff)
    if not only:
        scope = select(Evidence.id).where(mine)
        decisions = decisions.where(EvidenceReview.evidence_id.in_(scope))
        replacements = replacements.where(EvidenceFile.evidence_id.in_(scope))
    events = union_all(decisions, replacements).subquery()
    state = dict(connection.execute(  # in order, so the last event of each evidence is the one kept
        select(events.c.evidence_id, events.c.state).order_by(events.c.at, events.c.kind, events.c.seq)).all())

    rows = select(Evidence.id, Evidence.milestone_id, Evidence.activity_id, Evidence.means_id, Evidence.visibility,
                  type_coerce(Evidence.created_at < cutoff, Integer))
    raw: dict[tuple, list[int]] = defaultdict(list)
    get = state.get
    for evidence_id, milestone_id, activity_id, means_id, visibility, existed in connection.execute(
            rows if only else rows.where(mine)).all():
        raw[milestone_id, activity_id, means_id, visibility, existed, get(evidence_id, PENDING)].append(evidence_id)

    groups: dict[GroupKey, list[int]] = defaultdict(list)
    visibilities: dict[int, str] = {}
    counts: Counter[tuple[int, str]] = Counter()
    for (milestone_id, activity_id, means_id, visibility, existed, review), ids in raw.items():
        number = numbers.get(milestone_id)
        if number is None:  # a milestone added since the plan was read: not this commitment's (yet)
            continue
        visibilities.update(zip(ids, repeat(visibility)))
        counts[number, visibility] += len(ids)
        if existed:
            groups[number, activity_id, means[means_id], review].extend(ids)
    return EvidenceGroups(dict(groups), visibilities, counts)
