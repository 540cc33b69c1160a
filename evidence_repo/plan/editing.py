"""Admin changes to the plan ("Sujeto a cambios"): each one audited with who, when, before and after."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evidence_repo.accounts.models import User
from evidence_repo.audit import record
from evidence_repo.dates import parse_typed_date
from evidence_repo.errors import DomainError
from evidence_repo.plan.models import Activity, Milestone, Requirement, VerificationMeans
from evidence_repo.plan.operations import find_means


class PlanEditError(DomainError):
    pass


def _date(value: str | None) -> dt.date | None:
    if (value or "").strip().casefold() == "por definir":
        return None
    try:
        return parse_typed_date(value)
    except ValueError as exc:
        raise PlanEditError(_l("%(error)s Déjela vacía para «Por definir».", error=exc), "date") from None


def _snapshot(m: Milestone) -> dict:
    return {
        "activities": [{"id": a.id, "name": a.name, "date": a.date.isoformat() if a.date else None}
                       for a in m.activities],
        "requirements": [{"means": r.means.name, "activity_id": r.activity_id} for r in m.requirements],
    }


def _audited(session: Session, m: Milestone, user: User | None, action: str, change) -> None:
    before = _snapshot(m)
    change()
    session.flush()
    session.expire(m, ["activities", "requirements"])
    after = _snapshot(m)
    if before != after:
        record(session, user.id if user else None, action, "milestone", m.id, before=before, after=after)


def update_activity(session: Session, m: Milestone, activity_id: int, name: str | None, date: str | None,
                    user: User | None) -> None:
    activity = next((a for a in m.activities if a.id == activity_id), None)
    if activity is None:
        raise PlanEditError(_l("Esa actividad no pertenece a la meta."))
    new_date = _date(date)
    new_name = (name or "").strip()[:500] or None

    def change():
        activity.name, activity.date = new_name, new_date

    _audited(session, m, user, "plan.activity.update", change)


def add_activity(session: Session, m: Milestone, name: str | None, date: str | None, user: User | None) -> None:
    new_name = (name or "").strip()[:500]
    if not new_name:
        raise PlanEditError(_l("Escriba el nombre de la actividad."), "name")
    new_date = _date(date)
    position = max((a.position for a in m.activities), default=-1) + 1
    _audited(session, m, user, "plan.activity.add",
             lambda: session.add(Activity(milestone_id=m.id, position=position, name=new_name, date=new_date)))


def add_requirement(session: Session, m: Milestone, means_name: str, activity_id: int | None,
                    user: User | None) -> None:
    name = (means_name or "").strip()[:200]
    if not name:
        raise PlanEditError(_l("Elija o escriba el medio de verificación."), "means")
    if activity_id is not None and activity_id not in {a.id for a in m.activities}:
        raise PlanEditError(_l("Esa actividad no pertenece a la meta."), "activity")
    means = find_means(session, name)
    if means is None:
        means = VerificationMeans(name)
        session.add(means)
        session.flush()
    if any(r.means_id == means.id and r.activity_id == activity_id for r in m.requirements):
        raise PlanEditError(_l("«%(means)s» ya se exige ahí.", means=means.name), "means")
    position = (session.scalar(select(func.max(Requirement.position)).where(Requirement.milestone_id == m.id)) or 0) + 1
    _audited(session, m, user, "plan.requirement.add",
             lambda: session.add(Requirement(milestone_id=m.id, activity_id=activity_id, means_id=means.id,
                                             position=position)))


def remove_requirement(session: Session, m: Milestone, requirement_id: int, user: User | None) -> None:
    requirement = next((r for r in m.requirements if r.id == requirement_id), None)
    if requirement is None:
        raise PlanEditError(_l("Ese requisito no pertenece a la meta."))
    _audited(session, m, user, "plan.requirement.remove", lambda: session.delete(requirement))
