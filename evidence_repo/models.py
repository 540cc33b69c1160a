"""Every mapped class, imported in one place so metadata and migrations see the whole schema."""
from evidence_repo.accounts.models import Role, User
from evidence_repo.audit import AuditRecord
from evidence_repo.committee.models import Agreement, AgreementEvidence, DigestEntry
from evidence_repo.evidence.models import (
    ApiToken,
    Evidence,
    EvidenceFile,
    EvidenceReview,
    IndexTask,
    PublicVersion,
    ReviewState,
    TextStatus,
    Visibility,
)
from evidence_repo.mail.models import OutgoingMail
from evidence_repo.participation.models import Observation
from evidence_repo.plan.models import (
    Activity,
    Commitment,
    Milestone,
    Plan,
    PlanChange,
    Requirement,
    VerificationMeans,
)

__all__ = [
    "Activity", "Agreement", "AgreementEvidence", "ApiToken", "AuditRecord", "Commitment", "DigestEntry", "Evidence",
    "EvidenceFile", "EvidenceReview", "IndexTask", "Milestone", "Observation", "OutgoingMail", "Plan", "PlanChange",
    "PublicVersion", "Requirement", "ReviewState", "Role", "TextStatus", "User", "VerificationMeans", "Visibility",
]
