"""The follow-up committee reviews evidence."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from evidence_repo.auth.decorators import role_required
from evidence_repo.auth.routes import safe_next
from evidence_repo.committee.forms import ReviewForm
from evidence_repo.database import db
from evidence_repo.evidence.operations import EvidenceError, load_evidence
from evidence_repo.evidence.review import review_evidence

bp = Blueprint("committee", __name__, url_prefix="/comite")


@bp.post("/evidencias/<int:evidence_id>/revisar")
@role_required("committee", "admin")
def review(evidence_id: int):
    evidence = load_evidence(db(), evidence_id) or abort(404)
    form = ReviewForm()
    if not form.validate():
        flash(_("Revise el formulario."), "error")
    else:
        try:
            review_evidence(db(), evidence, form.state.data or "", form.comment.data, current_user)
            db().commit()
            labels = {"validada": _("validada"), "observada": _("observada")}
            flash(_("La evidencia #%(id)s quedó %(state)s.", id=evidence.id, state=labels[form.state.data]), "success")
        except EvidenceError as exc:
            db().rollback()
            flash(exc.message, "error")
    if request.form.get("next"):
        return redirect(safe_next(request.form["next"]))
    return redirect(url_for("public.evidence", evidence_id=evidence.id))
