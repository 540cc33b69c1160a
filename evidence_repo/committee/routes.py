"""The follow-up committee reviews evidence."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from evidence_repo import policy
from evidence_repo.auth.decorators import allowed_if
from evidence_repo.auth.routes import safe_next
from evidence_repo.committee.forms import ReviewForm
from evidence_repo.db import db, savepoint
from evidence_repo.evidence.operations import EvidenceError, load_visible_evidence
from evidence_repo.evidence.review import review_evidence

bp = Blueprint("committee", __name__, url_prefix="/comite")


@bp.post("/evidencias/<int:evidence_id>/revisar")
@allowed_if(policy.can_review)
def review(evidence_id: int):
    evidence = load_visible_evidence(db(), evidence_id, current_user) or abort(404)
    form = ReviewForm()
    if not form.validate():
        flash(_("Revise el formulario."), "error")
    else:
        try:
            with savepoint():
                review_evidence(db(), evidence, form.state.data or "", form.comment.data, current_user)
            labels = {"validada": _("validada"), "observada": _("observada")}
            flash(_("La evidencia #%(id)s quedó %(state)s.", id=evidence.id, state=labels[form.state.data]), "success")
        except EvidenceError as exc:
            flash(exc.message, "error")
    if request.form.get("next"):
        return redirect(safe_next(request.form["next"]))
    return redirect(url_for("public.evidence", evidence_id=evidence.id))
