"""The follow-up committee reviews evidence: one item at a time from the "Pendientes de revisión" queue."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from evidence_repo import policy
from evidence_repo.auth.decorators import allowed_if
from evidence_repo.auth.routes import safe_next
from evidence_repo.committee.forms import ReviewForm
from evidence_repo.db import db, savepoint
from evidence_repo.evidence import listing
from evidence_repo.evidence.operations import EvidenceError, load_visible_evidence
from evidence_repo.evidence.review import review_evidence

bp = Blueprint("committee", __name__, url_prefix="/comite")

QUEUE_FILTERS = ("compromiso", "meta", "medio")


def _queue_filters() -> tuple[listing.EvidenceFilters, dict]:
    """The queue's filters (commitment, milestone, means) from the query string, and the arguments that keep them."""
    filters = listing.parse({k: v for k, v in request.args.items() if k in QUEUE_FILTERS})
    return filters, filters.query_args()


@bp.post("/evidencias/<int:evidence_id>/revisar")
@allowed_if(policy.can_review)
def review(evidence_id: int):
    """Record a decision; then go to ``next`` (the queue's "siguiente"), or back to ``back`` if it was refused."""
    evidence = load_visible_evidence(db(), evidence_id, current_user) or abort(404)
    form = ReviewForm()
    done = False
    if not form.validate():
        flash(_("Revise el formulario."), "error")
    else:
        try:
            with savepoint():
                review_evidence(db(), evidence, form.state.data or "", form.comment.data, current_user)
            labels = {"validada": _("validada"), "observada": _("observada")}
            flash(_("La evidencia #%(id)s quedó %(state)s.", id=evidence.id, state=labels[form.state.data]), "success")
            done = True
        except EvidenceError as exc:
            flash(exc.message, "error")
    target = request.form.get("next") if done or not request.form.get("back") else request.form.get("back")
    if target:
        return redirect(safe_next(target))
    return redirect(url_for("public.evidence", evidence_id=evidence.id))


@bp.get("/pendientes")
@allowed_if(policy.can_review)
def queue():
    """Evidence waiting for the committee, oldest first, filtered by commitment, milestone and means."""
    filters, args = _queue_filters()
    restricted = policy.can_see_restricted(current_user)
    result = listing.queue_page(db(), filters, include_restricted=restricted,
                                page=listing.page_number(request.args.get("pagina")))
    return render_template("committee/queue.html", result=result, filters=filters, args=args,
                           choices=listing.filter_choices(db(), filters),
                           first=listing.next_in_queue(db(), filters, include_restricted=restricted))


@bp.get("/pendientes/<int:evidence_id>")
@allowed_if(policy.can_review)
def queue_item(evidence_id: int):
    """One item of the queue with the decision form; after the decision the member goes to the next one."""
    evidence = load_visible_evidence(db(), evidence_id, current_user) or abort(404)
    filters, args = _queue_filters()
    return render_template("committee/review.html", evidence=evidence, args=args,
                           position=listing.queue_position(db(), filters, evidence,
                                                           include_restricted=policy.can_see_restricted(current_user)))


@bp.get("/pendientes/siguiente")
@allowed_if(policy.can_review)
def next_item():
    """The item after ``despues`` in the same filtered queue; the queue page (which says it is empty) if none."""
    filters, args = _queue_filters()
    after_id = listing.page_number(request.args.get("despues")) if request.args.get("despues") else None
    after = load_visible_evidence(db(), after_id, current_user) if after_id else None
    found = listing.next_in_queue(db(), filters, after, include_restricted=policy.can_see_restricted(current_user))
    if found is None:
        return redirect(url_for("committee.queue", **args))
    return redirect(url_for("committee.queue_item", evidence_id=found, **args))
