"""Reading the plans for views, APIs and commands, each in a fixed number of queries; archiving a plan.

Importing and exporting plan files lives in :mod:`evidence_repo.plan.importing`, admin edits in
:mod:`evidence_repo.plan.editing`.

The *default commitment* is the first one loaded (lowest id; the seed on a fresh site): pages and APIs that
predate multiple plans (``/plan``, ``/metas/<n>``, ``/api/v1/plan``) show it.
"""
from __future__ import annotations

from importlib import resources
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from evidence_repo.errors import DomainError
from evidence_repo.plan.changes import Change, record_changes
from evidence_repo.plan.document import PlanDocument, load_plan_file
from evidence_repo.plan.models import Commitment, Milestone, Plan, PlanChange, VerificationMeans
from evidence_repo.plan.names import means_key

SEED_PLAN = "jalisco-2019.yaml"
TEMPLATES = {"programa-social": "plantilla-programa-social.yaml"}  # `plan new --template NAME`


class PlanNotFound(DomainError):
    pass


def seed_plan_document() -> PlanDocument:
    with resources.as_file(resources.files("evidence_repo.seed") / SEED_PLAN) as path:
        return load_plan_file(path)


def template_text(name: str = "programa-social") -> str:
    """The documented blank plan file shipped in the package (copy it, fill it in, `plan import` it)."""
    return (resources.files("evidence_repo.seed") / TEMPLATES[name]).read_text(encoding="utf-8")


def plan_exists(session: Session) -> bool:
    return session.scalar(select(Commitment.id).limit(1)) is not None


def _with_milestones(query: Select[Any]) -> Select[Any]:
    """Milestones with their activities and requirements (means joined): three more queries."""
    return query.options(
        selectinload(Commitment.milestones).selectinload(Milestone.activities),
        selectinload(Commitment.milestones).selectinload(Milestone.requirements),
    )


def default_commitment_id(session: Session) -> int | None:
    return session.scalar(select(Commitment.id).order_by(Commitment.id).limit(1))


def default_plan_slug(session: Session) -> str | None:
    """The slug of the default commitment's plan."""
    return session.scalar(select(Plan.slug).join(Commitment).order_by(Commitment.id).limit(1))


def list_plans(session: Session, include_archived: bool = False, *, with_milestones: bool = False) -> list[Plan]:
    """Plans in the order they were loaded, with their commitments: two queries; ``with_milestones``: and their
    milestones, activities and requirements, three more (the home page shows every milestone)."""
    commitments = selectinload(Plan.commitments)
    query = select(Plan).options(
        commitments.selectinload(Commitment.milestones).selectinload(Milestone.activities),
        commitments.selectinload(Commitment.milestones).selectinload(Milestone.requirements),
    ) if with_milestones else select(Plan).options(commitments)
    query = query.order_by(Plan.id)
    if not include_archived:
        query = query.where(Plan.archived.is_(False))
    return list(session.scalars(query))


def load_plan(session: Session, slug: str) -> Plan | None:
    """A plan with its commitments, milestones, activities and requirements: five queries."""
    return session.scalar(
        select(Plan).where(Plan.slug == slug).options(
            selectinload(Plan.commitments).selectinload(Commitment.milestones).selectinload(Milestone.activities),
            selectinload(Plan.commitments).selectinload(Commitment.milestones).selectinload(Milestone.requirements),
        )
    )


def load_commitment(session: Session, slug: str | None = None) -> Commitment | None:
    """A commitment (None: the default one) with its plan, milestones, activities and requirements: four queries."""
    query = select(Commitment).options(joinedload(Commitment.plan))
    query = query.where(Commitment.slug == slug) if slug is not None else query.order_by(Commitment.id).limit(1)
    commitment: Commitment | None = session.scalar(_with_milestones(query))
    return commitment


def load_commitments(session: Session, ids: list[int]) -> list[Commitment]:
    """Several commitments as `load_commitment` loads one (plan, milestones, activities, requirements), in the same
    four queries however many there are; in the order of ``ids``, leaving out those that do not exist."""
    if not ids:
        return []
    query = select(Commitment).where(Commitment.id.in_(ids)).options(joinedload(Commitment.plan))
    by_id = {c.id: c for c in session.scalars(_with_milestones(query))}
    return [by_id[i] for i in ids if i in by_id]


def list_commitments(session: Session, include_archived: bool = True) -> list[Commitment]:
    """Every commitment with its plan and milestones (no activities), by plan then position: two queries."""
    query = (select(Commitment).join(Commitment.plan).options(joinedload(Commitment.plan),
                                                              selectinload(Commitment.milestones))
             .order_by(Plan.id, Commitment.position, Commitment.id))
    if not include_archived:
        query = query.where(Plan.archived.is_(False))
    return list(session.scalars(query))


def load_milestone(session: Session, number: int, commitment_id: int | None = None) -> Milestone | None:
    """Milestone ``number`` of a commitment (None: the default one), with activities and requirements."""
    commitment_id = commitment_id if commitment_id is not None else default_commitment_id(session)
    return session.scalar(
        select(Milestone)
        .where(Milestone.commitment_id == commitment_id, Milestone.number == number)
        .options(joinedload(Milestone.commitment), selectinload(Milestone.activities),
                 selectinload(Milestone.requirements))
    )


def plan_changes(session: Session, commitment_id: int | None = None, plan_id: int | None = None,
                 limit: int | None = 100) -> list[PlanChange]:
    """The public change history, newest first, with each row's plan: one query.

    ``commitment_id``: that commitment's changes; ``plan_id``: everything of that plan (plan-wide rows such as
    ``plan.imported`` have no commitment); neither: every plan's.
    """
    query = select(PlanChange).options(joinedload(PlanChange.plan)).order_by(PlanChange.at.desc(),
                                                                              PlanChange.id.desc())
    if commitment_id is not None:
        query = query.where(PlanChange.commitment_id == commitment_id)
    if plan_id is not None:
        query = query.where(PlanChange.plan_id == plan_id)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def commitment_changes(session: Session, commitment: Commitment, limit: int | None = None) -> list[PlanChange]:
    """What 'Cambios al plan' shows for a commitment, newest first: its own changes and its plan's plan-wide ones
    (an import, archiving), never another commitment's: one query."""
    query = (select(PlanChange)
             .where(PlanChange.plan_id == commitment.plan_id,
                    or_(PlanChange.commitment_id == commitment.id, PlanChange.commitment_slug.is_(None)))
             .order_by(PlanChange.at.desc(), PlanChange.id.desc()))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def set_archived(session: Session, slug: str, archived: bool, reason: str | None = None) -> bool:
    """Archive (or list again) a plan, recorded as a PlanChange. Returns False when it already was so."""
    plan = load_plan(session, slug)
    if plan is None:
        raise PlanNotFound(_l("No existe el plan %(slug)r.", slug=slug))
    if plan.archived == archived:
        return False
    change = Change("plan.archived" if archived else "plan.unarchived",
                    "Plan archivado" if archived else "Plan visible de nuevo en la portada",
                    before={"archived": plan.archived}, after={"archived": archived})
    plan.archived = archived
    default = "Plan archivado" if archived else "Plan desarchivado"
    record_changes(session, plan, [change], (reason or "").strip() or default)
    session.flush()
    return True


def find_means(session: Session, name: str) -> VerificationMeans | None:
    """Look a means up by any spelling: canonical name or alias, ignoring case and accents."""
    key = means_key(name)
    means = session.scalar(select(VerificationMeans).where(VerificationMeans.key == key))
    if means is not None:
        return means
    return next((m for m in session.scalars(select(VerificationMeans)) if key in {means_key(a) for a in m.aliases}),
                None)


def means_catalogue(session: Session) -> list[VerificationMeans]:
    return list(session.scalars(select(VerificationMeans).order_by(VerificationMeans.name)))
