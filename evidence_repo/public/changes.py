"""'Cambios al plan': the public history of a commitment's plan ("Sujeto a cambios").

When, what, before → after and the reason given; never who made a change (the audit trail keeps that) and never
evidence, so the page needs no visibility decision (it is allow-listed in tests/test_policy.py).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from evidence_repo.db import db
from evidence_repo.plan.models import PlanChange
from evidence_repo.plan.operations import commitment_changes as load_changes
from evidence_repo.plan.operations import load_commitment

bp = Blueprint("changes", __name__)

LIMIT = 200
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


@bp.get("/compromisos/<commitment_slug>/cambios")
def commitment_changes(commitment_slug: str):
    commitment = load_commitment(db(), commitment_slug)
    if commitment is None:
        abort(404, description=_("No existe el compromiso «%(slug)s».", slug=commitment_slug[:80]))
    changes = load_changes(db(), commitment, limit=LIMIT)
    return render_template("public/changes.html", commitment=commitment,
                           changes=[(c, before_after(c)) for c in changes], limit=LIMIT)
