"""Changes to a plan, as imports and admin edits produce them, and their public record (PlanChange rows).

A :class:`Change` is plain data: ``plan import --dry-run`` prints it, a real import or an admin edit records it
as a :class:`~evidence_repo.plan.models.PlanChange` with the reason given. Values are plain JSON (strings,
numbers, lists); nothing here names the staff member who made the change (the audit trail does).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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


# --------------------------------------------------------------------- how the public reads a change

FIELD_LABELS = {
    "date": _l("Fecha"), "name": _l("Nombre"), "means": _l("Medio de verificación"), "scope": _l("Alcance"),
    "activity": _l("Actividad"), "archived": _l("Archivado"), "title": _l("Título"), "objective": _l("Objetivo"),
    "responsible": _l("Responsables"), "note": _l("Nota"), "jurisdiction": _l("Jurisdicción"),
}
SCOPE_LABELS = {"each_activity": _l("en cada sesión"), "milestone": _l("una vez para la meta")}
HIDDEN = {"id", "activity_id"}  # internal ids say nothing to a reader


def _value(key: str, value: Any) -> str:
    if value is None or value == []:
        return _("Por definir") if key == "date" else "—"
    if key == "scope":
        return str(SCOPE_LABELS.get(value, value))
    if isinstance(value, bool):
        return _("sí") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_value(key, v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(k, v)}" for k, v in value.items())
    return str(value)


def before_after(change: PlanChange) -> list[dict[str, str | None]]:
    """One row per value that changed: its label, the value before and after (None: added / removed)."""
    before, after = change.before or {}, change.after or {}
    keys = [k for k in dict.fromkeys([*before, *after]) if k not in HIDDEN]
    if change.before and change.after:
        keys = [k for k in keys if before.get(k) != after.get(k)] or keys
    return [{"label": str(FIELD_LABELS.get(k, k)),
             "before": _value(k, before.get(k)) if change.before is not None else None,
             "after": _value(k, after.get(k)) if change.after is not None else None} for k in keys]


def before_after_text(change: PlanChange) -> str:
    """The values that changed in one line: "Fecha: 2019-10-17 → 2019-10-24" (the feed's summary)."""
    parts = []
    for row in before_after(change):
        if row["before"] is not None and row["after"] is not None:
            parts.append(f"{row['label']}: {row['before']} → {row['after']}")
        elif row["after"] is not None:
            parts.append(_("%(label)s: agregado %(value)s", label=row["label"], value=row["after"]))
        else:
            parts.append(_("%(label)s: quitado %(value)s", label=row["label"], value=row["before"]))
    return "; ".join(parts)
