"""The committee's agreements on the web: the public page and its CSV, JSON and informe; the committee records an
agreement there, staff answer it. Thin: each view calls one function of `committee.agreements`."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from evidence_repo import policy
from evidence_repo.auth.decorators import allowed_if
from evidence_repo.committee import agreements as domain
from evidence_repo.committee import informe
from evidence_repo.compliance import views as compliance
from evidence_repo.compliance.status import AGREEMENT_LABELS, AGREEMENT_SYMBOLS
from evidence_repo.db import db, savepoint
from evidence_repo.plan.models import Commitment
from evidence_repo.plan.operations import load_commitment
from evidence_repo.public import limits
from evidence_repo.services import services
from evidence_repo.urls import external_url

bp = Blueprint("agreements", __name__)


def _today() -> dt.date:
    return dt.date.today()


def _commitment_or_404(slug: str) -> Commitment:
    commitment = load_commitment(db(), slug)
    if commitment is None:
        abort(404, description=_("No existe el compromiso «%(slug)s».", slug=slug))
    return commitment


def _form(f) -> dict:
    """What was typed, to show the form again with its error."""
    return {**f.to_dict(), "evidence": f.getlist("evidence")}


def _render(commitment: Commitment, *, errors: dict[str, str] | None = None, form: dict | None = None,
            answering: int | None = None, status: int = 200):
    listed = domain.agreements_of(db(), commitment)
    found = domain.rows(listed, _today(), current_user)
    choices = (domain.evidence_choices(db(), (a.milestone_id for a in listed))
               if policy.can_answer_agreement(current_user) else {})
    milestone_ids = {m.number: m.id for m in commitment.milestones}
    objectives = {m.number: m.objective.splitlines()[0] for m in commitment.milestones}
    return render_template("public/agreements.html", commitment=commitment, agreements=found,
                           counts=domain.counts(found), labels=AGREEMENT_LABELS, symbols=AGREEMENT_SYMBOLS,
                           errors=errors or {}, form=form or {}, answering=answering, choices=choices,
                           milestone_ids=milestone_ids, objectives=objectives), status


@bp.get("/compromisos/<commitment_slug>/acuerdos")
def page(commitment_slug: str):
    return _render(_commitment_or_404(commitment_slug))


@bp.get("/compromisos/<commitment_slug>/acuerdos.csv")
def csv_download(commitment_slug: str):
    commitment = _commitment_or_404(commitment_slug)
    found = domain.rows(domain.agreements_of(db(), commitment), _today(), current_user)
    response = current_app.response_class(domain.as_csv(commitment, found), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="acuerdos-{commitment.slug}.csv"'
    return response


@bp.get("/compromisos/<commitment_slug>/acuerdos.json")
def json_download(commitment_slug: str):
    commitment = _commitment_or_404(commitment_slug)
    found = domain.rows(domain.agreements_of(db(), commitment), _today(), current_user)
    return current_app.response_class(domain.as_json(commitment, found, _today()), mimetype="application/json")


@bp.get("/compromisos/<commitment_slug>/acuerdos/informe.<any(docx, pdf):fmt>")
@limits.reports
def report(commitment_slug: str, fmt: str):
    """The informe de retroalimentación, made once per data generation (agreements and answers are audited, so
    they move it), format, audience and language: memoised on the commitment's cached compliance result."""
    commitment = _commitment_or_404(commitment_slug)
    today = _today()
    c = compliance.compute(db(), today, current_app.config["SOON_DAYS"], commitment, cache=services().compliance)
    if c is None:
        abort(404)
    public = not policy.can_see_restricted(current_user)
    reader = None if public else current_user
    exported = c.rendered(("informe-retroalimentacion", fmt, public, str(get_locale())),
                          lambda: informe.render(fmt, db(), commitment, today, reader))
    response = current_app.response_class(exported.body, mimetype=exported.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response


@bp.post("/comite/compromisos/<commitment_slug>/acuerdos")
@allowed_if(policy.can_record_agreement)
def record(commitment_slug: str):
    commitment = _commitment_or_404(commitment_slug)
    f = request.form
    try:
        with savepoint():
            agreement = domain.record_agreement(
                db(), commitment, milestone_number=f.get("milestone"), text=f.get("text"),
                institution=f.get("institution"), due=f.get("due"), user=current_user, mail=services().mail,
                page_url=external_url("agreements.page", commitment_slug=commitment.slug))
            agreement_id = agreement.id
    except domain.AgreementError as exc:
        return _render(commitment, errors={exc.field or "text": exc.message}, form=_form(f), status=400)
    flash(_("Acuerdo %(id)s registrado; el personal recibirá un aviso.", id=agreement_id), "success")
    return redirect(url_for("agreements.page", commitment_slug=commitment.slug, _anchor=f"acuerdo-{agreement_id}"))


@bp.post("/personal/acuerdos/<int:agreement_id>/responder")
@allowed_if(policy.can_answer_agreement)
def answer(agreement_id: int):
    agreement = domain.load_agreement(db(), agreement_id)
    if agreement is None:
        abort(404, description=_("No existe el acuerdo %(id)s.", id=agreement_id))
    commitment = agreement.commitment
    f = request.form
    try:
        ids = domain.parse_evidence_ids([*f.getlist("evidence"), f.get("other_evidence", "")])
        with savepoint():
            domain.answer_agreement(db(), agreement, reply=f.get("reply"), evidence_ids=ids, user=current_user)
    except domain.AgreementError as exc:
        return _render(commitment, errors={exc.field or "reply": exc.message}, form=_form(f),
                       answering=agreement_id, status=400)
    flash(_("Acuerdo %(id)s respondido.", id=agreement_id), "success")
    return redirect(url_for("agreements.page", commitment_slug=commitment.slug, _anchor=f"acuerdo-{agreement_id}"))
