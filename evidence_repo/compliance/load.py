"""Everything the compliance engine needs, read in a fixed number of queries however much evidence exists."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidence_repo.compliance.engine import ActivityInfo, EvidenceInfo, MilestoneInfo, RequirementInfo, Scope
from evidence_repo.compliance.status import ReviewInfo, review_history
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
