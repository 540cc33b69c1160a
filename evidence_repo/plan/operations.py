"""Writing and reading the plan: import (validated, all-or-nothing, audited), export, and loading for views."""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from evidence_repo.audit import record
from evidence_repo.plan.document import (
    ActivityEntry,
    CommitmentEntry,
    MeansEntry,
    Member,
    MilestoneEntry,
    OgpValue,
    Person,
    PlanDocument,
    PlanFileError,
    PlanHeader,
    load_plan_file,
)
from evidence_repo.plan.models import Activity, Commitment, Milestone, Plan, Requirement, VerificationMeans
from evidence_repo.plan.names import means_key

SEED_PLAN = "jalisco-2019.yaml"


@dataclass
class ImportSummary:
    milestones: int
    activities: int
    requirements: int
    means: int


def seed_plan_document() -> PlanDocument:
    with resources.as_file(resources.files("evidence_repo.seed") / SEED_PLAN) as path:
        return load_plan_file(path)


def plan_exists(session: Session) -> bool:
    return session.scalar(select(Commitment.id).limit(1)) is not None


def load_commitment(session: Session) -> Commitment | None:
    """The commitment with milestones, activities and requirements, in a fixed number of queries."""
    return session.scalar(
        select(Commitment)
        .options(
            joinedload(Commitment.plan),
            selectinload(Commitment.milestones).selectinload(Milestone.activities),
            selectinload(Commitment.milestones).selectinload(Milestone.requirements),
        )
        .order_by(Commitment.id)
        .limit(1)
    )


def load_milestone(session: Session, number: int) -> Milestone | None:
    return session.scalar(
        select(Milestone)
        .where(Milestone.number == number)
        .options(selectinload(Milestone.activities), selectinload(Milestone.requirements))
    )


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


def import_plan(session: Session, document: PlanDocument, user_id: int | None = None) -> ImportSummary:
    """Make the database hold exactly `document`; rows keep their ids where number/position still match.

    The caller commits; nothing is flushed half-way because the document was validated beforehand.
    """
    before = export_plan(session).model_dump(mode="json") if plan_exists(session) else None
    catalogue = document.means_catalogue()
    means_by_key = _sync_means(session, document, catalogue)

    def means_for(name: str) -> VerificationMeans:
        return means_by_key[means_key(catalogue[means_key(name)])]

    plan = session.scalar(select(Plan).order_by(Plan.id).limit(1)) or Plan(title=document.plan.title)
    plan.title, plan.jurisdiction, plan.note = document.plan.title, document.plan.jurisdiction, document.plan.note
    session.add(plan)
    c = document.commitment
    commitment = session.scalar(select(Commitment).where(Commitment.plan_id == plan.id)) if plan.id else None
    commitment = commitment or Commitment(plan=plan, title=c.title)
    person = c.responsible_person
    fields = dict(
        title=c.title, branch=c.branch, status=c.status, theme=c.theme, start_date=c.start_date,
        end_date=c.end_date, responsible_institution=c.responsible_institution,
        responsible_name=person and person.name, responsible_position=person and person.position,
        responsible_area=person and person.area, contact_email=person and person.email,
        contact_phone=person and person.phone, contact_extension=person and person.extension,
        government_bodies=list(c.government_bodies),
        civil_society=[m.model_dump() for m in c.civil_society], problem=c.problem,
        main_objective=c.main_objective, short_description=c.short_description,
        ogp_values=[v.model_dump() for v in c.ogp_values], anti_corruption_relevance=c.anti_corruption_relevance,
    )
    for name, value in fields.items():
        setattr(commitment, name, value)
    session.add(commitment)
    session.flush()

    existing = {m.number: m for m in commitment.milestones}
    wanted = {m.number for m in c.milestones}
    _refuse_dropping_evidence(session, existing, c)
    for number, milestone in existing.items():
        if number not in wanted:
            session.delete(milestone)
    session.flush()

    n_activities = n_requirements = 0
    for entry in c.milestones:
        milestone = existing.get(entry.number) or Milestone(commitment=commitment, number=entry.number, objective="")
        milestone.objective, milestone.responsible = entry.objective, list(entry.responsible)
        session.add(milestone)
        session.flush()
        session.execute(delete(Requirement).where(Requirement.milestone_id == milestone.id))
        activities = sorted(milestone.activities, key=lambda a: a.position)
        for extra in activities[len(entry.activities):]:
            session.delete(extra)
        position = 0
        for position, (a_entry, activity) in enumerate(_pad(entry.activities, activities)):
            activity = activity or Activity(milestone=milestone, position=position)
            activity.position, activity.name, activity.date = position, a_entry.name, a_entry.date
            activity.responsible = list(a_entry.responsible)
            session.add(activity)
            n_activities += 1
        session.flush()
        activities = sorted([a for a in milestone.activities if a in session], key=lambda a: a.position)
        position = 0
        for name in entry.requirements:
            session.add(Requirement(milestone_id=milestone.id, means=means_for(name), position=position))
            position += 1
        for a_entry, activity in zip(entry.activities, activities):
            for name in a_entry.requirements:
                session.add(
                    Requirement(milestone_id=milestone.id, activity_id=activity.id, means=means_for(name),
                                position=position)
                )
                position += 1
        n_requirements += position
    session.flush()
    session.expire_all()
    after = export_plan(session).model_dump(mode="json")
    if before != after:
        record(session, user_id, "plan.import", "commitment", commitment.id, before=before, after=after)
    return ImportSummary(len(c.milestones), n_activities, n_requirements, len(means_by_key))


def _refuse_dropping_evidence(session: Session, existing: dict[int, Milestone], c: CommitmentEntry) -> None:
    """Evidence is never orphaned: a milestone or activity that has evidence cannot vanish in an import."""
    from evidence_repo.evidence.models import Evidence

    wanted = {m.number: len(m.activities) for m in c.milestones}
    problems = []
    for number, milestone in existing.items():
        count = session.scalar(select(func.count()).select_from(Evidence).where(Evidence.milestone_id == milestone.id))
        if number not in wanted and count:
            problems.append(str(_l("commitment.milestones: la meta %(n)s tiene %(count)s evidencia(s) y no puede "
                                   "quitarse", n=number, count=count)))
            continue
        for activity in milestone.activities:
            if number in wanted and activity.position >= wanted[number]:
                used = session.scalar(select(func.count()).select_from(Evidence)
                                      .where(Evidence.activity_id == activity.id))
                if used:
                    problems.append(str(_l("commitment.milestones (meta %(n)s): la actividad %(position)s tiene "
                                           "%(count)s evidencia(s) y no puede quitarse",
                                           n=number, position=activity.position + 1, count=used)))
    if problems:
        raise PlanFileError(problems)


def _pad(entries: list[ActivityEntry], rows: list[Activity]):
    for i, entry in enumerate(entries):
        yield entry, rows[i] if i < len(rows) else None


def _sync_means(session: Session, document: PlanDocument, catalogue: dict[str, str]) -> dict[str, VerificationMeans]:
    """The catalogue only grows: a means may already be referenced by evidence."""
    rows = {m.key: m for m in session.scalars(select(VerificationMeans))}
    aliases = {means_key(e.name): e.aliases for e in document.verification_means}
    for canonical in dict.fromkeys(catalogue.values()):
        key = means_key(canonical)
        row = rows.get(key)
        if row is None:
            row = rows[key] = VerificationMeans(canonical, aliases.get(key))
            session.add(row)
        else:
            row.name = canonical
            row.aliases = list(aliases.get(key, row.aliases))
    session.flush()
    return rows


def export_plan(session: Session) -> PlanDocument:
    commitment = load_commitment(session)
    if commitment is None:
        raise LookupError(str(_l("No hay ningún plan cargado")))
    plan = commitment.plan
    means = session.scalars(select(VerificationMeans).order_by(VerificationMeans.id)).all()
    person = None
    if commitment.responsible_name:
        person = Person(
            name=commitment.responsible_name, position=commitment.responsible_position,
            area=commitment.responsible_area, email=commitment.contact_email, phone=commitment.contact_phone,
            extension=commitment.contact_extension,
        )
    milestones = []
    for m in commitment.milestones:
        activities = [
            ActivityEntry(
                name=a.name, date=a.date, responsible=list(a.responsible),
                requirements=[r.means.name for r in m.requirements if r.activity_id == a.id],
            )
            for a in m.activities
        ]
        milestones.append(
            MilestoneEntry(
                number=m.number, objective=m.objective, responsible=list(m.responsible),
                requirements=[r.means.name for r in m.own_requirements], activities=activities,
            )
        )
    return PlanDocument(
        plan=PlanHeader(title=plan.title, jurisdiction=plan.jurisdiction, note=plan.note),
        verification_means=[MeansEntry(name=m.name, aliases=list(m.aliases)) for m in means],
        commitment=CommitmentEntry(
            title=commitment.title, branch=commitment.branch, status=commitment.status, theme=commitment.theme,
            start_date=commitment.start_date, end_date=commitment.end_date,
            responsible_institution=commitment.responsible_institution, responsible_person=person,
            government_bodies=list(commitment.government_bodies),
            civil_society=[Member(**m) for m in commitment.civil_society], problem=commitment.problem,
            main_objective=commitment.main_objective, short_description=commitment.short_description,
            ogp_values=[OgpValue(**v) for v in commitment.ogp_values],
            anti_corruption_relevance=commitment.anti_corruption_relevance, milestones=milestones,
        ),
    )
