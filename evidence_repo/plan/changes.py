"""Changes to a plan, as imports and admin edits produce them, and their public record (PlanChange rows).

A :class:`Change` is plain data: ``plan import --dry-run`` prints it, a real import or an admin edit records it
as a :class:`~evidence_repo.plan.models.PlanChange` with the reason given. Values are plain JSON (strings,
numbers, lists); nothing here names the staff member who made the change (the audit trail does).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session

from evidence_repo.db import utcnow
from evidence_repo.plan.models import Activity, Commitment, Plan, PlanChange, Requirement

# kind → what it records. "added"/"changed"/"removed" is the last word of the kind (created → added).
KINDS: dict[str, str] = {
    "plan.imported": "a plan file was imported (one row per import that changed something, with the counts)",
    "plan.created": "the plan was created (by an import)",
    "plan.changed": "title, jurisdiction or note changed",
    "plan.archived": "the plan was archived (left off the home page, still public by link)",
    "plan.unarchived": "the plan is listed again",
    "commitment.added": "a commitment was added to the plan",
    "commitment.changed": "header fields of a commitment changed (only the changed ones are kept)",
    "commitment.removed": "a commitment without evidence was removed from the plan",
    "milestone.added": "a milestone was added",
    "milestone.changed": "a milestone's objective or responsible people changed",
    "milestone.removed": "a milestone without evidence was removed",
    "activity.added": "an activity (session) was added",
    "activity.changed": "an activity's name, responsible people or place in the list changed",
    "activity.date_changed": "an activity's date was set, moved or made 'Por definir'",
    "activity.removed": "an activity without evidence was removed",
    "requirement.added": "a verification means is now required",
    "requirement.removed": "a verification means is no longer required",
    "requirement.scope_changed": "a requirement's scope changed (each_activity ↔ milestone)",
    "requirement.reordered": "the order of a milestone's required means changed",
}

Action = Literal["added", "changed", "removed"]


@dataclass
class Change:
    kind: str
    summary: str  # one plain sentence in Spanish
    commitment: str | None = None  # slug
    milestone: int | None = None  # number
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        assert self.kind in KINDS, self.kind

    @property
    def action(self) -> Action:
        last = self.kind.rsplit(".", 1)[1]
        if last in {"added", "created"}:
            return "added"
        return "removed" if last == "removed" else "changed"


def plain(value: Any) -> Any:
    """A JSON-ready copy: dates as ISO strings, tuples as lists."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def day(value: dt.date | None) -> str:
    return value.isoformat() if value else "Por definir"


def activity_label(a: Activity | None, name: str | None = None) -> str:
    label = (a.name if a is not None else name) or "Por definir"
    return f"«{label}»"


def requirement_value(r: Requirement) -> dict[str, Any]:
    return {"means": r.means.name, "scope": r.scope, "activity": r.activity.name if r.activity else None}


def record_changes(session: Session, plan: Plan, changes: list[Change], reason: str, *,
                   at: dt.datetime | None = None) -> list[PlanChange]:
    """Add one PlanChange row per change (same time for all). Commitments are found by slug in ``plan``."""
    at = at or utcnow()
    by_slug: dict[str, Commitment] = {c.slug: c for c in plan.commitments}
    rows = []
    for change in changes:
        commitment = by_slug.get(change.commitment) if change.commitment else None
        row = PlanChange(
            at=at, plan=plan, commitment_id=commitment.id if commitment is not None else None,
            commitment_slug=change.commitment, milestone_number=change.milestone, kind=change.kind,
            summary=change.summary, before=plain(change.before), after=plain(change.after), reason=reason,
        )
        session.add(row)
        rows.append(row)
    return rows
