"""One line per commitment: its status, percent, overdue milestones and next due date (home page, portfolio).

Pure data from a :class:`~evidence_repo.compliance.views.Compliance`; words are added by templates. Restricted
evidence counts toward the figures without being named, as in every export.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from evidence_repo.compliance.cache import ComplianceCache
from evidence_repo.compliance.engine import MilestoneAssessment
from evidence_repo.compliance.status import Status
from evidence_repo.compliance.views import Compliance, compute_many
from evidence_repo.plan.models import Commitment

# The commitment's status is its most urgent milestone's: what a reader should look at first.
_URGENCY: tuple[Status, ...] = ("vencido", "proximo", "incompleto", "sin_fecha", "completo")


@dataclass(frozen=True)
class CommitmentSummary:
    commitment: Commitment
    compliance: Compliance
    status: Status
    percent: float
    overdue: int
    next_due: MilestoneAssessment | None  # the earliest unfinished milestone due on or after the as-of date

    def milestone(self, number: int) -> MilestoneAssessment | None:
        return self.compliance.milestone(number)


def summarize(commitment: Commitment, c: Compliance) -> CommitmentSummary:
    milestones = c.assessment.milestones
    present = {m.status for m in milestones}
    status: Status = next((s for s in _URGENCY if s in present), "completo")
    as_of = c.assessment.as_of
    upcoming = sorted((m for m in milestones if m.status != "completo" and m.due is not None and m.due >= as_of),
                      key=lambda m: (m.due, m.number))
    return CommitmentSummary(commitment, c, status, c.assessment.percent,
                             sum(1 for m in milestones if m.status == "vencido"), upcoming[0] if upcoming else None)


def summaries(session: Session, commitments: list[Commitment], as_of: dt.date,
              soon_days: int, *, cache: ComplianceCache | None = None) -> list[CommitmentSummary]:
    """A summary of each commitment, in the order given, in a fixed number of queries however many there are
    (`views.compute_many`)."""
    results = compute_many(session, commitments, as_of, soon_days, cache=cache)
    return [summarize(c, results[c.id]) for c in commitments if c.id in results]
