"""Compliance engine: pure rules for which verification means are satisfied, missing or overdue."""
from evidence_repo.compliance.engine import (
    ActivityAssessment,
    ActivityInfo,
    CommitmentAssessment,
    EvidenceInfo,
    MilestoneAssessment,
    MilestoneInfo,
    MissingItem,
    RequirementInfo,
    Scope,
    assess,
    cell,
)
from evidence_repo.compliance.status import (
    CELL_LABELS,
    CELL_SYMBOLS,
    DEFAULT_SOON_DAYS,
    REVIEW_LABELS,
    STATUS_LABELS,
    STATUSES,
    CellState,
    ReviewInfo,
    ReviewState,
    Status,
    due_date,
    review_history,
    review_state,
    status_for,
    utc_date,
)

__all__ = [
    "CELL_LABELS", "CELL_SYMBOLS", "DEFAULT_SOON_DAYS", "REVIEW_LABELS", "STATUSES", "STATUS_LABELS",
    "ActivityAssessment", "ActivityInfo", "CellState", "CommitmentAssessment", "EvidenceInfo",
    "MilestoneAssessment", "MilestoneInfo", "MissingItem", "RequirementInfo", "ReviewInfo", "ReviewState", "Scope",
    "Status",
    "assess", "cell", "due_date", "review_history", "review_state", "status_for", "utc_date",
]
