"""The action plans: Plan → Commitment → Milestone → Activity, the verification-means catalogue, and the
public history of changes to the plans (PlanChange).

Many plans live side by side; each plan and commitment has a stable ``slug``. Evidence points at a milestone
(and optionally an activity) by id, so nothing here ever moves evidence from one plan to another.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evidence_repo.compliance.status import due_date
from evidence_repo.db import Base, UTCDateTime, utcnow
from evidence_repo.plan.names import means_key
from evidence_repo.plan.scope import EACH_ACTIVITY, MILESTONE


class Plan(Base):
    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(Text)
    jurisdiction: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    # Archived plans are left off the home page; their pages, API and search results stay public by link.
    archived: Mapped[bool] = mapped_column(default=False, server_default=false())
    commitments: Mapped[list[Commitment]] = relationship(
        back_populates="plan", order_by="[Commitment.position, Commitment.id]", cascade="all, delete-orphan"
    )


class Commitment(Base):
    __tablename__ = "commitment"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"))
    slug: Mapped[str] = mapped_column(String(80), unique=True)  # unique across the site: /compromisos/<slug>
    position: Mapped[int] = mapped_column(default=0, server_default="0")  # order within its plan, as in the file
    title: Mapped[str] = mapped_column(Text)
    branch: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str | None] = mapped_column(String(40))
    theme: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    responsible_institution: Mapped[str | None] = mapped_column(Text)
    responsible_name: Mapped[str | None] = mapped_column(String(200))
    responsible_position: Mapped[str | None] = mapped_column(Text)
    responsible_area: Mapped[str | None] = mapped_column(Text)
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_phone: Mapped[str | None] = mapped_column(String(80))
    contact_extension: Mapped[str | None] = mapped_column(String(40))
    government_bodies: Mapped[list] = mapped_column(default=list)
    civil_society: Mapped[list] = mapped_column(default=list)
    problem: Mapped[str | None] = mapped_column(Text)
    main_objective: Mapped[str | None] = mapped_column(Text)
    short_description: Mapped[str | None] = mapped_column(Text)
    ogp_values: Mapped[list] = mapped_column(default=list)
    anti_corruption_relevance: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[Plan] = relationship(back_populates="commitments")
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="commitment", order_by="Milestone.number", cascade="all, delete-orphan"
    )


class VerificationMeans(Base):
    """A kind of evidence ("Minuta", "Lista de asistencia"); one row per canonical name."""

    __tablename__ = "verification_means"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    aliases: Mapped[list] = mapped_column(default=list)

    def __init__(self, name: str, aliases: list[str] | None = None):
        super().__init__(name=name, key=means_key(name), aliases=list(aliases or []))


class Milestone(Base):
    __tablename__ = "milestone"
    __table_args__ = (UniqueConstraint("commitment_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"))
    number: Mapped[int]
    objective: Mapped[str] = mapped_column(Text)
    responsible: Mapped[list] = mapped_column(default=list)

    commitment: Mapped[Commitment] = relationship(back_populates="milestones")
    activities: Mapped[list[Activity]] = relationship(
        back_populates="milestone", order_by="Activity.position", cascade="all, delete-orphan"
    )
    requirements: Mapped[list[Requirement]] = relationship(
        back_populates="milestone", order_by="Requirement.position", cascade="all, delete-orphan"
    )

    @property
    def own_requirements(self) -> list[Requirement]:
        """Requirements set on the milestone (not on one of its activities), whatever their scope."""
        return [r for r in self.requirements if r.activity_id is None]

    @property
    def due_date(self) -> date | None:
        """The last activity date; None while any activity is still "Por definir" (the compliance rule)."""
        return due_date(a.date for a in self.activities)


class Activity(Base):
    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestone.id"))
    position: Mapped[int]
    name: Mapped[str | None] = mapped_column(Text)
    date: Mapped[date | None]
    responsible: Mapped[list] = mapped_column(default=list)

    milestone: Mapped[Milestone] = relationship(back_populates="activities")
    requirements: Mapped[list[Requirement]] = relationship(
        back_populates="activity", order_by="Requirement.position", viewonly=True
    )

    @property
    def effective_responsible(self) -> list[str]:
        return list(self.responsible) or list(self.milestone.responsible)


class Requirement(Base):
    """A verification means that a milestone, or one of its activities, must be proven with.

    ``scope`` (see :mod:`evidence_repo.plan.scope`): ``each_activity`` — every activity of the milestone needs its
    own evidence of the means (a requirement attached to one activity always has this scope); ``milestone`` —
    once for the whole milestone.
    """

    __tablename__ = "requirement"
    __table_args__ = (
        UniqueConstraint("milestone_id", "activity_id", "means_id"),
        CheckConstraint(f"scope IN ('{EACH_ACTIVITY}', '{MILESTONE}')", name="scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestone.id"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    means_id: Mapped[int] = mapped_column(ForeignKey("verification_means.id"))
    position: Mapped[int] = mapped_column(default=0)
    scope: Mapped[str] = mapped_column(String(20), default=MILESTONE)

    milestone: Mapped[Milestone] = relationship(back_populates="requirements")
    activity: Mapped[Activity | None] = relationship(back_populates="requirements")
    means: Mapped[VerificationMeans] = relationship(lazy="joined")


class PlanChange(Base):
    """One public entry of a plan's change history ('Cambios al plan', the Atom feed).

    Plain values only, and no staff identity: who made a change stays in the audit trail (AuditRecord).
    ``kind`` is a dotted name (``plan.imported``, ``activity.date_changed``, ``requirement.scope_changed``…, see
    :data:`evidence_repo.plan.changes.KINDS`); ``summary`` is a sentence in Spanish; ``before``/``after`` hold
    only the values that changed (None for an addition / a removal); ``reason`` is what the admin wrote.
    ``commitment_slug`` keeps naming the commitment if it is later removed (``commitment_id`` then becomes NULL).
    """

    __tablename__ = "plan_change"
    __table_args__ = (
        Index("ix_plan_change_plan_at", "plan_id", "at"),
        Index("ix_plan_change_commitment_at", "commitment_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"))
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitment.id", ondelete="SET NULL"))
    commitment_slug: Mapped[str | None] = mapped_column(String(80))
    milestone_number: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(60))
    summary: Mapped[str] = mapped_column(Text)
    before: Mapped[dict | None]
    after: Mapped[dict | None]
    reason: Mapped[str] = mapped_column(Text)

    plan: Mapped[Plan] = relationship()
