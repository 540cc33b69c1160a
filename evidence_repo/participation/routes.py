"""Citizens send observations on milestone and evidence pages; staff and the committee moderate and answer them.
Open data: the published ones and their answers as CSV (the JSON is in the API)."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from evidence_repo import policy
from evidence_repo.auth.decorators import allowed_if
from evidence_repo.db import db, savepoint
from evidence_repo.evidence.operations import load_visible_evidence
from evidence_repo.participation import operations as ops
from evidence_repo.participation.models import MAX_ANSWER, MAX_NAME, MAX_REASON, MAX_TEXT
from evidence_repo.plan.operations import load_commitment
from evidence_repo.public import limits
from evidence_repo.services import services
from evidence_repo.urls import external_url

bp = Blueprint("participation", __name__)
HONEYPOT = "sitio_web"  # hidden from people; bots fill it in
LIMITS = {"MAX_TEXT": MAX_TEXT, "MAX_NAME": MAX_NAME, "MAX_ANSWER": MAX_ANSWER, "MAX_REASON": MAX_REASON}


@bp.app_context_processor
def _observation_limits() -> dict:
    return {"observation_limits": LIMITS, "observation_honeypot": HONEYPOT}


def _milestone_or_404(commitment_slug: str, number: int):
    commitment = load_commitment(db(), commitment_slug)
    milestone = next((m for m in commitment.milestones if m.number == number), None) if commitment else None
    if milestone is None:
        abort(404, description=_("No existe la meta %(n)s en este plan.", n=number))
    return milestone


@bp.post("/compromisos/<commitment_slug>/metas/<int:number>/observaciones")
@limits.observations
def observe_milestone(commitment_slug: str, number: int):
    milestone = _milestone_or_404(commitment_slug, number)
    back = url_for("public.commitment_milestone", commitment_slug=commitment_slug, number=number)
    return _observe(milestone, None, back, _("Meta %(n)s", n=number))


@bp.post("/evidencias/<int:evidence_id>/observaciones")
@limits.observations
def observe_evidence(evidence_id: int):
    evidence = load_visible_evidence(db(), evidence_id, current_user)
    if evidence is None:
        abort(404, description=_("No encontramos esa evidencia."))
    back = url_for("public.evidence", evidence_id=evidence.id)
    return _observe(evidence.milestone, evidence, back, evidence.title)


def _observe(milestone, evidence, back: str, where: str):
    form = request.form
    if form.get(HONEYPOT):  # a bot: answered like a person, nothing kept
        flash(_("Recibimos su observación. Se publicará cuando la revise el personal o el comité."), "success")
        return redirect(back + "#observaciones", code=303)
    try:
        with savepoint():
            ops.submit(db(), services().mail, milestone=milestone, evidence=evidence, text=form.get("text"),
                       name=form.get("name"), email=form.get("email"),
                       queue_link=external_url("participation.queue"))
    except ops.ObservationError as exc:
        errors = {exc.field or "text": exc.message}
        values = {k: (form.get(k) or "")[:MAX_TEXT + 1000] for k in ("text", "name", "email")}
        return render_template("participation/observe.html", action=request.path, back=back, where=where,
                               values=values, errors=errors), 400
    flash(_("Recibimos su observación. Se publicará cuando la revise el personal o el comité."), "success")
    return redirect(back + "#observaciones", code=303)


@bp.get("/personal/observaciones")
@allowed_if(policy.can_moderate_observations)
def queue():
    received, waiting = ops.moderation_queue(db())
    return render_template("participation/queue.html", received=received, waiting=waiting,
                           answered=ops.recently_answered(db()),
                           see_restricted=policy.can_see_restricted(current_user))


def _observation_or_404(observation_id: int):
    observation = ops.load_observation(db(), observation_id)
    if observation is None:
        abort(404, description=_("No existe esa observación."))
    return observation


@bp.post("/personal/observaciones/<int:observation_id>/moderar")
@allowed_if(policy.can_moderate_observations)
def moderate(observation_id: int):
    observation = _observation_or_404(observation_id)
    decision = request.form.get("decision")
    if decision not in ("aceptar", "rechazar"):
        flash(_("Elija si acepta o rechaza la observación #%(id)s.", id=observation.id), "error")
        return redirect(url_for("participation.queue"), code=303)
    try:
        with savepoint():
            ops.moderate(db(), observation, current_user, accept=decision == "aceptar",
                         reason=request.form.get("reason"))
    except ops.ObservationError as exc:
        flash(exc.message, "error")
    else:
        flash(_("La observación #%(id)s se publicó.", id=observation.id) if decision == "aceptar"
              else _("La observación #%(id)s se rechazó; el motivo no se publica.", id=observation.id), "success")
    return redirect(url_for("participation.queue"), code=303)


@bp.post("/personal/observaciones/<int:observation_id>/responder")
@allowed_if(policy.can_moderate_observations)
def answer(observation_id: int):
    observation = _observation_or_404(observation_id)
    try:
        with savepoint():
            changed = ops.answer(db(), services().mail, observation, current_user, request.form.get("answer"),
                                 link=_public_link(observation))
    except ops.ObservationError as exc:
        flash(exc.message, "error")
    else:
        if changed:
            flash(_("Se publicó la respuesta a la observación #%(id)s.", id=observation.id), "success")
        else:
            flash(_("La respuesta a la observación #%(id)s no cambió.", id=observation.id), "info")
    return redirect(url_for("participation.queue") + f"#observacion-{observation.id}", code=303)


def _public_link(observation) -> str:
    """Where the citizen reads the answer (the site's configured address, as the feed's links)."""
    anchor = f"observacion-{observation.id}"
    if observation.evidence_id is not None:
        return external_url("public.evidence", evidence_id=observation.evidence_id, _anchor=anchor)
    m = observation.milestone
    return external_url("public.commitment_milestone", commitment_slug=m.commitment.slug, number=m.number,
                        _anchor=anchor)


CSV_COLUMNS = ("id", "compromiso", "meta", "evidencia", "nombre", "observacion", "enviada", "estado", "respuesta",
               "respondida", "respuesta_corregida")


def _cell(value):
    """Spreadsheets run cells that start with = + - @ as formulas; a leading apostrophe keeps them text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return "" if value is None else value


@bp.get("/observaciones.csv")
def observations_csv():
    """Every published observation and its answer: public by construction, whoever asks (never an e-mail)."""
    policy.audience(None)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in ops.public_rows(ops.public_observations(db())):
        writer.writerow([_cell(v) for v in (row.id, row.commitment, row.milestone, row.evidence_id, row.name,
                                            row.text, row.sent_at, row.status, row.answer, row.answered_at,
                                            row.answer_corrected_at)])
    response = current_app.response_class(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="observaciones.csv"'
    return response
