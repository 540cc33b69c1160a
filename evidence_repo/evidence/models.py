"""Evidence: a document that proves a milestone (or one activity) with a verification means.

Each upload of bytes is an EvidenceFile version; replacing a file adds a version and keeps the old one.
IndexTask rows are the queue between the web (which writes the database) and the single index writer.
"""
from __future__ import annotations

import enum
import json
from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evidence_repo.accounts.models import User
from evidence_repo.compliance.status import ReviewInfo, review_history, review_state
from evidence_repo.db import Base, UTCDateTime, utcnow
from evidence_repo.evidence.privacy import scan
from evidence_repo.plan.models import Activity, Milestone, VerificationMeans


class Visibility(str, enum.Enum):
    public = "public"
    restricted = "restricted"


class TextStatus(str, enum.Enum):
    pending = "pending"
    extracted = "extracted"
    ocr = "ocr"
    empty = "empty"
    failed = "failed"


LOW_QUALITY_CONFIDENCE = 70.0
"""Below this mean OCR word confidence (0-100) a file's text is "de baja calidad": staff should rescan it."""


class Evidence(Base):
    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_milestone_means", "milestone_id", "means_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestone.id"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id", ondelete="SET NULL"))
    means_id: Mapped[int] = mapped_column(ForeignKey("verification_means.id"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    session_date: Mapped[date | None]
    visibility: Mapped[str] = mapped_column(String(20), default=Visibility.public.value)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Staff never delete: withdrawn evidence is hidden from the public, its file kept, its address says why.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    milestone: Mapped[Milestone] = relationship()
    activity: Mapped[Activity | None] = relationship()
    means: Mapped[VerificationMeans] = relationship()
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])
    files: Mapped[list[EvidenceFile]] = relationship(
        back_populates="evidence", order_by="EvidenceFile.version", cascade="save-update, merge"
    )
    reviews: Mapped[list[EvidenceReview]] = relationship(order_by="EvidenceReview.id", viewonly=True)
    # Versiones públicas (redacted copies) of restricted evidence, oldest first; the newest one is public.
    public_versions: Mapped[list[PublicVersion]] = relationship(
        back_populates="evidence", order_by="PublicVersion.id", cascade="save-update, merge"
    )

    def review_history(self) -> tuple[ReviewInfo, ...]:
        """Committee decisions and the file replacements that reset them, oldest first."""
        return review_history(((r.at, r.state) for r in self.reviews),
                              (f.uploaded_at for f in self.files if f.version > 1))

    def review_state_on(self, as_of: date | None = None) -> str:
        """The review state on ``as_of`` (None: now), by the same rule the compliance engine applies."""
        return review_state(self.review_history(), as_of)

    @property
    def review_state(self) -> str:
        return self.review_state_on(None)

    @property
    def review(self) -> EvidenceReview | None:
        """The decision that applies now: the latest one, unless a newer file version reset it."""
        if self.reviews and self.review_state != ReviewState.pending.value:
            return self.reviews[-1]
        return None

    @property
    def current(self) -> EvidenceFile:
        return self.files[-1]

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.public.value

    @property
    def public_version(self) -> PublicVersion | None:
        """The versión pública the public sees instead of restricted files (the newest), if any."""
        return self.public_versions[-1] if self.public_versions else None

    @property
    def has_public_version(self) -> bool:
        """Restricted evidence with a versión pública: the public sees that version and only it."""
        return not self.is_public and self.public_version is not None

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_purged(self) -> bool:
        return bool(self.files) and all(f.purged_at is not None for f in self.files)


class EvidenceFile(Base):
    """One stored version of an evidence's bytes, with what extraction made of it."""

    __tablename__ = "evidence_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), index=True)
    version: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    mime_type: Mapped[str] = mapped_column(String(120))
    original_name: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    text_status: Mapped[str] = mapped_column(String(20), default=TextStatus.pending.value)
    text_error: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[int | None]
    captured_on: Mapped[date | None]
    thumbnail_sha256: Mapped[str | None] = mapped_column(String(64))
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An older version of public evidence is for staff only (it may hold what a replacement took back),
    # unless an admin published it (audited).
    published: Mapped[bool] = mapped_column(default=False, server_default=false())
    # An admin purged the bytes (removed from the store); the row and its SHA-256 stay, as does the audit record.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ocr_confidence: Mapped[float | None] = mapped_column(Float)  # mean OCR word confidence 0-100; None when not OCRed
    ocr_pages: Mapped[str | None] = mapped_column(Text)  # JSON list, one dict per OCRed page
    searchable_sha256: Mapped[str | None] = mapped_column(String(64))  # searchable PDF copy of a scan
    # What the public downloads of an image: the same picture without EXIF/XMP (GPS included). None: the bytes
    # themselves are public (not an image, or nothing to remove). The original stays untouched for staff.
    public_sha256: Mapped[str | None] = mapped_column(String(64))
    is_public_version = False

    evidence: Mapped[Evidence] = relationship(back_populates="files")
    uploaded_by: Mapped[User | None] = relationship()

    @property
    def personal_data(self) -> list[str]:
        """Kinds of personal data its extracted text seems to hold (a warning for staff, never shown to others)."""
        return scan(self.text)

    @property
    def low_quality_text(self) -> bool:
        """OCR read this scan badly (or not at all): its text cannot be trusted for search or privacy checks."""
        return self.ocr_confidence is not None and self.ocr_confidence < LOW_QUALITY_CONFIDENCE

    @property
    def ocr_page_reports(self) -> list[dict]:
        try:
            pages = json.loads(self.ocr_pages or "[]")
        except ValueError:
            return []
        return pages if isinstance(pages, list) else []


class PublicVersion(Base):
    """A versión pública: a redacted file staff upload for restricted evidence (Mexican transparency law).

    The public sees, downloads and searches it (its own extracted text) instead of the evidence's files; staff
    see both. It answers the attributes pages read from an EvidenceFile, so one template shows either.
    """

    __tablename__ = "public_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    mime_type: Mapped[str] = mapped_column(String(120))
    original_name: Mapped[str] = mapped_column(String(255))
    public_sha256: Mapped[str | None] = mapped_column(String(64))  # as EvidenceFile.public_sha256
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    text_status: Mapped[str] = mapped_column(String(20), default=TextStatus.pending.value)
    text_error: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[int | None]
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # bytes and text forgotten with the evidence's

    evidence: Mapped[Evidence] = relationship(back_populates="public_versions")
    uploaded_by: Mapped[User | None] = relationship()

    is_public_version = True
    version = None  # not one of the evidence's numbered versions
    published = True
    thumbnail_sha256 = None
    searchable_sha256 = None
    ocr_confidence = None
    low_quality_text = False

    @property
    def personal_data(self) -> list[str]:
        """What a redaction missed, if its text still seems to hold personal data (shown to staff)."""
        return scan(self.text)


class IndexTask(Base):
    """A pending change for the search index; written in the same transaction as the change itself."""

    __tablename__ = "index_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(20), default="index")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # The lease of the worker processing it (evidence_repo.evidence.queue): expired leases are claimed again.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))


class ApiToken(Base):
    """A personal API token; only its SHA-256 is kept, so a leaked database does not leak tokens."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class ReviewState(str, enum.Enum):
    pending = "pendiente"
    validated = "validada"
    observed = "observada"


class EvidenceReview(Base):
    """A committee decision on one version of an evidence; kept forever, the latest one applies."""

    __tablename__ = "evidence_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), index=True)
    file_version: Mapped[int]
    state: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship()
