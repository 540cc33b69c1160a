"""Admins adjust the plan as it changes: dates, activities and required means, every change audited."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from evidence_repo import policy
from evidence_repo.audit import AuditRecord
from evidence_repo.auth.decorators import allowed_if
from evidence_repo.db import db, savepoint
from evidence_repo.plan import editing
from evidence_repo.plan.operations import load_milestone, means_catalogue

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _milestone(number: int):
    return load_milestone(db(), number) or abort(404, description=_("No existe la meta %(n)s en este plan.", n=number))


@bp.get("/metas/<int:number>")
@allowed_if(policy.can_administer)
def milestone(number: int):
    m = _milestone(number)
    history = db().scalars(
        select(AuditRecord).where(AuditRecord.entity == "milestone", AuditRecord.entity_id == m.id)
        .order_by(AuditRecord.at.desc()).limit(50)
    ).all()
    return render_template("admin/milestone.html", milestone=m, catalogue=means_catalogue(db()), history=history)


@bp.post("/metas/<int:number>/<any(actividad, 'nueva-actividad', requisito, 'quitar-requisito'):action>")
@allowed_if(policy.can_administer)
def edit(number: int, action: str):
    m = _milestone(number)
    try:
        with savepoint():
            _apply(m, action, request.form)
        flash(_("Cambio guardado; el cumplimiento ya lo refleja."), "success")
    except editing.PlanEditError as exc:
        flash(exc.message, "error")
    return redirect(url_for("admin.milestone", number=number))


def _apply(m, action: str, form) -> None:
    if action == "actividad":
        editing.update_activity(db(), m, form.get("activity_id", type=int), form.get("name"), form.get("date"),
                                current_user)
    elif action == "nueva-actividad":
        editing.add_activity(db(), m, form.get("name"), form.get("date"), current_user)
    elif action == "requisito":
        means = (form.get("new_means") or "").strip() or form.get("means", "")
        editing.add_requirement(db(), m, means, form.get("activity_id", type=int) or None, current_user)
    else:
        editing.remove_requirement(db(), m, form.get("requirement_id", type=int), current_user)
