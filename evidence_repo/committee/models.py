"""The follow-up committee's own record: the agreements (acuerdos) it makes at its meetings, and what the weekly
digest already told it.

An agreement is a public record: it names the responsible *institution*, never a person; who recorded or answered
it is kept in the audit trail (and here as ids, for staff), not shown to the public.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evidence_repo.db import Base, UTCDateTime, utcnow
from evidence_repo.evidence.models import Evidence
from evidence_repo.plan.models import Commitment, Milestone


class AgreementEvidence(Base):
    """Evidence a staff answer points to (of the agreement's commitment)."""

    __tablename__ = "agreement_evidence"

    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), primary_key=True)


class Agreement(Base):
    __tablename__ = "agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"), index=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestone.id"))  # the meeting it was agreed at
    text: Mapped[str] = mapped_column(Text)
    responsible_institution: Mapped[str] = mapped_column(String(300))
    due_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    commitment: Mapped[Commitment] = relationship()
    milestone: Mapped[Milestone] = relationship()
    evidence: Mapped[list[Evidence]] = relationship(secondary="agreement_evidence", order_by="Evidence.id",
                                                    viewonly=True)


class DigestEntry(Base):
    """One overdue item already reported in a weekly digest: the digest never reports it again for that due
    date (a new due date that passes is news again)."""

    __tablename__ = "digest_entry"
    __table_args__ = (UniqueConstraint("subject", "subject_id", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(20))  # "agreement" or "milestone"
    subject_id: Mapped[int]
    due_date: Mapped[date] = mapped_column(Date)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
