"""Admin changes to the plan ("Sujeto a cambios").

Every change needs a reason. It is audited (who, when, the milestone before and after: AuditRecord) and published
(what, before → after, the reason, without the admin's identity: PlanChange, shown on 'Cambios al plan' and in
the feed).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evidence_repo.accounts.models import User
from evidence_repo.audit import record
from evidence_repo.dates import parse_typed_date
from evidence_repo.errors import DomainError
from evidence_repo.plan.changes import Change, activity_label, day, record_changes
from evidence_repo.plan.models import Activity, Milestone, Requirement, VerificationMeans
from evidence_repo.plan.operations import find_means
from evidence_repo.plan.scope import EACH_ACTIVITY, SCOPES, default_scope

MAX_REASON = 1000


class PlanEditError(DomainError):
    pass


def _date(value: str | None) -> dt.date | None:
    if (value or "").strip().casefold() == "por definir":
        return None
    try:
        return parse_typed_date(value)
    except ValueError as exc:
        raise PlanEditError(_l("%(error)s Déjela vacía para «Por definir».", error=exc), "date") from None


def _reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise PlanEditError(_l("Escriba el motivo del cambio: se publica junto con el cambio en «Cambios al plan»."),
                            "reason")
    if len(text) > MAX_REASON:
        raise PlanEditError(_l("El motivo no puede pasar de %(n)s caracteres.", n=MAX_REASON), "reason")
    return text


def _scope(value: str | None) -> str | None:
    value = (value or "").strip() or None
    if value is not None and value not in SCOPES:
        raise PlanEditError(_l("Alcance desconocido: «%(scope)s».", scope=value[:40]), "scope")
    return value


def _snapshot(m: Milestone) -> dict:
    return {
        "activities": [{"id": a.id, "name": a.name, "date": a.date.isoformat() if a.date else None}
                       for a in m.activities],
        "requirements": [{"means": r.means.name, "activity_id": r.activity_id, "scope": r.scope}
                         for r in m.requirements],
    }


def _changed(session: Session, m: Milestone, user: User | None, action: str, reason: str,
             change: Callable[[], list[Change]]) -> None:
    """Apply ``change`` (which returns what it changed), then audit it and publish it."""
    before = _snapshot(m)
    changes = change()
    session.flush()
    session.expire(m, ["activities", "requirements"])
    after = _snapshot(m)
    if before != after:
        record(session, user.id if user else None, action, "milestone", m.id, before=before, after=after)
        record_changes(session, m.commitment.plan, changes, reason)


def update_activity(session: Session, m: Milestone, activity_id: int, name: str | None, date: str | None,
                    user: User | None, *, reason: str | None) -> None:
    activity = next((a for a in m.activities if a.id == activity_id), None)
    if activity is None:
        raise PlanEditError(_l("Esa actividad no pertenece a la meta."))
    new_date = _date(date)
    new_name = (name or "").strip()[:500] or None
    why = _reason(reason)

    def change() -> list[Change]:
        changes = []
        slug, number = m.commitment.slug, m.number
        if activity.date != new_date:
            changes.append(Change("activity.date_changed", f"Meta {m.number}: fecha de {activity_label(activity)}: "
                                  f"{day(activity.date)} → {day(new_date)}", slug, number,
                                  before={"id": activity.id, "name": activity.name, "date": day_or_none(activity.date)},
                                  after={"id": activity.id, "name": new_name, "date": day_or_none(new_date)}))
        if activity.name != new_name:
            changes.append(Change("activity.changed", f"Meta {m.number}: actividad {activity_label(activity)}: "
                                  f"nombre → {activity_label(None, new_name)}", slug, number,
                                  before={"id": activity.id, "name": activity.name},
                                  after={"id": activity.id, "name": new_name}))
        activity.name, activity.date = new_name, new_date
        return changes

    _changed(session, m, user, "plan.activity.update", why, change)


def add_activity(session: Session, m: Milestone, name: str | None, date: str | None, user: User | None, *,
                 reason: str | None) -> None:
    new_name = (name or "").strip()[:500]
    if not new_name:
        raise PlanEditError(_l("Escriba el nombre de la actividad."), "name")
    new_date = _date(date)
    why = _reason(reason)
    position = max((a.position for a in m.activities), default=-1) + 1

    def change() -> list[Change]:
        session.add(Activity(milestone_id=m.id, position=position, name=new_name, date=new_date))
        return [Change("activity.added", f"Meta {m.number}: actividad «{new_name}» agregada ({day(new_date)})",
                       commitment=m.commitment.slug, milestone=m.number,
                       after={"name": new_name, "date": day_or_none(new_date)})]

    _changed(session, m, user, "plan.activity.add", why, change)


def add_requirement(session: Session, m: Milestone, means_name: str, activity_id: int | None,
                    user: User | None, *, reason: str | None, scope: str | None = None) -> None:
    """Require a means of the milestone (scope: as given, else by the means' kind) or of one activity."""
    name = (means_name or "").strip()[:200]
    if not name:
        raise PlanEditError(_l("Elija o escriba el medio de verificación."), "means")
    activity = None
    if activity_id is not None:
        activity = next((a for a in m.activities if a.id == activity_id), None)
        if activity is None:
            raise PlanEditError(_l("Esa actividad no pertenece a la meta."), "activity")
    wanted_scope = _scope(scope)
    if activity is not None and wanted_scope not in (None, EACH_ACTIVITY):
        raise PlanEditError(_l("Lo que se exige a una actividad es de esa actividad; para exigirlo una vez por meta, "
                               "elija «toda la meta»."), "scope")
    why = _reason(reason)
    means = find_means(session, name)
    if means is None:
        means = VerificationMeans(name)
        session.add(means)
        session.flush()
    if any(r.means_id == means.id and r.activity_id == activity_id for r in m.requirements):
        raise PlanEditError(_l("«%(means)s» ya se exige ahí.", means=means.name), "means")
    final_scope = wanted_scope or default_scope(means.name, on_activity=activity is not None)
    position = (session.scalar(select(func.max(Requirement.position)).where(Requirement.milestone_id == m.id)) or 0) + 1
    where = f" en la actividad {activity_label(activity)}" if activity is not None else ""

    def change() -> list[Change]:
        session.add(Requirement(milestone_id=m.id, activity_id=activity_id, means_id=means.id, position=position,
                                scope=final_scope))
        return [Change("requirement.added", f"Meta {m.number}: se exige «{means.name}»{where} ({final_scope})",
                       commitment=m.commitment.slug, milestone=m.number,
                       after={"means": means.name, "scope": final_scope,
                              "activity": activity.name if activity is not None else None})]

    _changed(session, m, user, "plan.requirement.add", why, change)


def remove_requirement(session: Session, m: Milestone, requirement_id: int, user: User | None, *,
                       reason: str | None) -> None:
    requirement = next((r for r in m.requirements if r.id == requirement_id), None)
    if requirement is None:
        raise PlanEditError(_l("Ese requisito no pertenece a la meta."))
    why = _reason(reason)
    activity = requirement.activity
    where = f" en la actividad {activity_label(activity)}" if activity is not None else ""
    value = {"means": requirement.means.name, "scope": requirement.scope,
             "activity": activity.name if activity is not None else None}

    def change() -> list[Change]:
        session.delete(requirement)
        return [Change("requirement.removed", f"Meta {m.number}: ya no se exige «{value['means']}»{where}",
                       commitment=m.commitment.slug, milestone=m.number, before=value)]

    _changed(session, m, user, "plan.requirement.remove", why, change)


def set_requirement_scope(session: Session, m: Milestone, requirement_id: int, scope: str | None,
                          user: User | None, *, reason: str | None) -> None:
    """each_activity (every activity needs its own evidence) ↔ milestone (once for the whole milestone)."""
    requirement = next((r for r in m.requirements if r.id == requirement_id), None)
    if requirement is None:
        raise PlanEditError(_l("Ese requisito no pertenece a la meta."))
    new_scope = _scope(scope)
    if new_scope is None:
        raise PlanEditError(_l("Elija el alcance."), "scope")
    if requirement.activity_id is not None and new_scope != EACH_ACTIVITY:
        raise PlanEditError(_l("Lo que se exige a una actividad es de esa actividad; para exigirlo una vez por meta, "
                               "quítelo de la actividad y exíjalo a toda la meta."), "scope")
    why = _reason(reason)
    if requirement.scope == new_scope:
        return
    old_scope = requirement.scope

    def change() -> list[Change]:
        requirement.scope = new_scope
        return [Change("requirement.scope_changed", f"Meta {m.number}: «{requirement.means.name}» pasa de "
                       f"{old_scope} a {new_scope}", commitment=m.commitment.slug, milestone=m.number,
                       before={"means": requirement.means.name, "scope": old_scope},
                       after={"means": requirement.means.name, "scope": new_scope})]

    _changed(session, m, user, "plan.requirement.scope", why, change)


def day_or_none(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
