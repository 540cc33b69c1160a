"""Pages anyone can read without an account."""
from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from evidence_repo.compliance import export
from evidence_repo.compliance import views as compliance
from evidence_repo.compliance.portfolio import summaries
from evidence_repo.dates import parse_as_of
from evidence_repo.db import db
from evidence_repo.evidence.indexing import file_type_label
from evidence_repo.evidence.operations import list_evidence, load_visible_evidence
from evidence_repo.evidence.search import (
    SEARCH_FAILED,
    parse_params,
    programme_titles,
    run_search,
    switch_facets,
)
from evidence_repo.plan.operations import list_commitments, list_plans, load_commitment, load_plan
from evidence_repo.policy import audience, can_see_restricted
from evidence_repo.services import services
from indexer import SearchFailed, SearchResults
from storage import BlobMissing

bp = Blueprint("public", __name__)
TEXT_PREVIEW_CHARS = 200_000


def _today() -> dt.date:
    return dt.date.today()


def _commitment_or_404(slug: str):
    commitment = load_commitment(db(), slug)
    if commitment is None:
        abort(404, description=_("No existe el compromiso «%(slug)s».", slug=slug))
    return commitment


def _listed_commitments() -> list:
    """Commitments of the plans on the home page; when every plan is archived, all of them."""
    return list_commitments(db(), include_archived=False) or list_commitments(db())


@bp.get("/")
def home():
    plans = list_plans(db())
    listed = [c for p in plans for c in p.commitments]
    rows = summaries(db(), listed, _today(), current_app.config["SOON_DAYS"],
                     cache=services().compliance)
    by_plan: dict[int, list] = {}
    for row in rows:
        by_plan.setdefault(row.commitment.plan_id, []).append(row)
    return render_template("public/home.html", plans=plans, by_plan=by_plan)


@bp.get("/planes/<plan_slug>")
def plan_detail(plan_slug: str):
    """A plan and its commitments; archived plans stay public by link."""
    plan = load_plan(db(), plan_slug)
    if plan is None:
        abort(404, description=_("No existe el plan «%(slug)s».", slug=plan_slug))
    rows = summaries(db(), list(plan.commitments), _today(), current_app.config["SOON_DAYS"],
                     cache=services().compliance)
    return render_template("public/plan_detail.html", plan=plan, rows=rows)


@bp.get("/compromisos/<commitment_slug>")
def commitment(commitment_slug: str):
    commitment = _commitment_or_404(commitment_slug)
    c = _compute(_today(), commitment)
    if c is None:
        abort(404)
    return render_template("public/plan.html", commitment=commitment, assessment=c.milestone,
                           percent=c.assessment.percent)


def _args() -> dict[str, Any]:
    """The query string, carried over by a redirect (?lang=en, ?pagina=2)."""
    return {k: v for k, v in request.args.lists() if not k.startswith("_")}


def _chooser(title: str, intro: str, commitments: list, endpoint: str, **values):
    return render_template("public/chooser.html", title=title, intro=intro, commitments=commitments,
                           endpoint=endpoint, values=values)


@bp.get("/plan")
def plan():
    """Before there were many plans: the only commitment, or a chooser among them."""
    commitments = _listed_commitments()
    if not commitments:
        abort(404, description=_("Todavía no se ha cargado ningún plan de acción."))
    if len(commitments) == 1:
        return redirect(url_for("public.commitment", commitment_slug=commitments[0].slug, **_args()))
    return _chooser(_("Elija un compromiso"), _("Este sitio reúne varios compromisos. ¿Cuál quiere consultar?"),
                    commitments, "public.commitment")


@bp.get("/metas/<int:number>")
def milestone(number: int):
    """Before there were many plans: milestone ``number`` of the only commitment having it, or a chooser."""
    commitments = [c for c in _listed_commitments() if any(m.number == number for m in c.milestones)]
    if not commitments:
        abort(404, description=_("No existe la meta %(n)s en este plan.", n=number))
    if len(commitments) == 1:
        return redirect(url_for("public.commitment_milestone", commitment_slug=commitments[0].slug, number=number,
                                **_args()))
    return _chooser(_("Meta %(n)s", n=number),
                    _("Varios compromisos tienen una meta %(n)s. ¿De cuál quiere ver las pruebas?", n=number),
                    commitments, "public.commitment_milestone", number=number)


@bp.get("/compromisos/<commitment_slug>/metas/<int:number>")
def commitment_milestone(commitment_slug: str, number: int):
    commitment = _commitment_or_404(commitment_slug)
    m = next((m for m in commitment.milestones if m.number == number), None)
    if m is None:
        abort(404, description=_("No existe la meta %(n)s en este plan.", n=number))
    numbers = [x.number for x in commitment.milestones]
    i = numbers.index(m.number)
    c = _compute(_today(), commitment)
    if c is None:
        abort(404)
    see_all = can_see_restricted(current_user)
    total = c.evidence_count(number, include_restricted=see_all)
    page = max(request.args.get("pagina", 1, type=int) or 1, 1)
    evidence, _total = list_evidence(db(), include_restricted=see_all, milestone_number=number, page=page,
                                     per_page=50, total=total, commitment_id=commitment.id)
    return render_template(
        "public/milestone.html",
        milestone=m,
        assessment=c.milestone,
        evidence=evidence,
        groups=group_by_means(m, evidence),
        evidence_total=total,
        page=page,
        per_page=50,
        type_label=file_type_label,
        commitment=commitment,
        previous=numbers[i - 1] if i > 0 else None,
        next=numbers[i + 1] if i + 1 < len(numbers) else None,
    )


def group_by_means(milestone, evidence) -> list[tuple[str, bool, list]]:
    """(means name, required?, evidence) in the plan's order; means nobody asked for come last."""
    required = list(dict.fromkeys(r.means.name for r in milestone.requirements))
    by_means: dict[str, list] = {}
    for e in evidence:
        by_means.setdefault(e.means.name, []).append(e)
    groups = [(name, True, by_means.pop(name, [])) for name in required]
    return groups + [(name, False, rows) for name, rows in sorted(by_means.items())]


def _visible_evidence(evidence_id: int):
    """Restricted evidence does not exist for the public: 404, the same as a missing id."""
    evidence = load_visible_evidence(db(), evidence_id, current_user)
    if evidence is None:
        abort(404, description=_("No encontramos esa evidencia."))
    return evidence


@bp.get("/evidencias/<int:evidence_id>")
def evidence(evidence_id: int):
    e = _visible_evidence(evidence_id)
    query = (request.args.get("q") or "").strip()[:500]
    index = services().index()
    text = e.current.text or ""
    shown = index.highlight(text, query, max_chars=TEXT_PREVIEW_CHARS) if query else None
    try:
        similar = index.similar(str(e.id), visibility=audience(current_user), limit=5)
    except SearchFailed:  # logged by the backend; the evidence itself is still worth showing
        similar = []
    return render_template("public/evidence.html", evidence=e, type_label=file_type_label, query=query,
                           highlighted=shown, text=text[:TEXT_PREVIEW_CHARS],
                           truncated=len(text) > TEXT_PREVIEW_CHARS, similar=similar)


@bp.get("/evidencias/<int:evidence_id>/descargar")
def download(evidence_id: int):
    e = _visible_evidence(evidence_id)
    version = request.args.get("version", type=int)
    f = next((f for f in e.files if f.version == version), None) if version else e.current
    if f is None:
        abort(404, description=_("Esa versión no existe."))
    try:
        handle = services().blobs.open(f.sha256)
    except BlobMissing:
        current_app.logger.error("stored file missing for evidence %s version %s", e.id, f.version)
        abort(404, description=_("El archivo no está disponible en este momento."))
    response = send_file(handle, mimetype=f.mime_type, as_attachment=True, download_name=f.original_name,
                         etag=f.sha256, max_age=3600, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Digest"] = "sha-256=" + base64.b64encode(bytes.fromhex(f.sha256)).decode()
    return response


@bp.get("/evidencias/<int:evidence_id>/pdf-con-texto")
def searchable_copy(evidence_id: int):
    """The searchable PDF made from a scan: visible exactly when the original is (the same lookup)."""
    e = _visible_evidence(evidence_id)
    version = request.args.get("version", type=int)
    f = next((f for f in e.files if f.version == version), None) if version else e.current
    if f is None or not f.searchable_sha256:
        abort(404, description=_("Esta evidencia no tiene una copia en PDF con texto."))
    try:
        handle = services().blobs.open(f.searchable_sha256)
    except BlobMissing:
        current_app.logger.error("searchable copy missing for evidence %s version %s", e.id, f.version)
        abort(404, description=_("El archivo no está disponible en este momento."))
    response = send_file(handle, mimetype="application/pdf", as_attachment=True,
                         download_name=searchable_name(f.original_name), etag=f.searchable_sha256, max_age=3600,
                         conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def searchable_name(original_name: str) -> str:
    """``lista.jpg`` -> ``lista (con texto).pdf``."""
    stem = original_name.rsplit(".", 1)[0] if "." in original_name else original_name
    return f"{stem or 'evidencia'} (con texto).pdf"


@bp.get("/evidencias/<int:evidence_id>/miniatura")
def thumbnail(evidence_id: int):
    e = _visible_evidence(evidence_id)
    sha = e.current.thumbnail_sha256
    if not sha:
        abort(404)
    try:
        return send_file(services().blobs.open(sha), mimetype="image/jpeg", max_age=86400, etag=sha)
    except BlobMissing:
        abort(404)


@bp.get("/buscar")
def search():
    params = parse_params(request.args, strict=False)
    svc = services()
    failure, status = None, 200
    reader = audience(current_user)
    try:
        results = run_search(svc.index(), params, audience=reader)
        switch = switch_facets(svc.index(), params, results, audience=reader)
    except SearchFailed:
        results = SearchResults(0, params.page, params.per_page)
        switch = {"plan": {}, "commitment": {}}
        failure, status = str(SEARCH_FAILED), 500
    # Milestone numbers repeat across commitments: the milestone facet is offered within one commitment only.
    within = params.commitment or (next(iter(results.facets.get("commitment", {})))
                                   if len(results.facets.get("commitment", {})) == 1 else None)
    titles = programme_titles(db(), results, switch, {"plan": [params.plan or ""],
                                                      "commitment": [params.commitment or ""]})
    return render_template("public/search.html", params=params, results=results, notice=svc.index_notice(),
                           failure=failure, switch=switch, within=within, titles=titles,
                           facet_order=facet_order, milestone_url=milestone_url), status


def milestone_url(commitment_slug: str | None, number: int | str | None) -> str | None:
    """The page of a commitment's milestone; ``public.milestone`` (the first plan's) until the per-commitment
    page is registered."""
    if not number:
        return None
    if commitment_slug and "public.commitment_milestone" in current_app.view_functions:
        return url_for("public.commitment_milestone", commitment_slug=commitment_slug, number=int(number))
    return url_for("public.milestone", number=int(number))


def facet_order(name: str, counts: dict[str, int]) -> list[tuple[str, int]]:
    if name == "milestone":
        return sorted(counts.items(), key=lambda kv: int(kv[0]))
    if name == "year":
        return sorted(counts.items(), reverse=True)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _compliance_request(commitment=None):
    """(compliance, as_of, error message) for ?as_of=; a bad date falls back to today with a message."""
    today = _today()
    error = None
    try:
        as_of = parse_as_of(request.args.get("as_of"), today)
    except ValueError as exc:
        as_of, error = today, str(exc)
    return _compute(as_of, commitment), as_of, error


def _compute(as_of: dt.date, commitment=None) -> compliance.Compliance | None:
    """Compliance as of ``as_of``, shared with this process's other requests while the data stays the same."""
    return compliance.compute(db(), as_of, current_app.config["SOON_DAYS"], commitment, cache=services().compliance)


@bp.get("/cumplimiento")
def portfolio():
    """Every listed commitment in one table: institution, percent, overdue milestones, next due date."""
    today = _today()
    rows = summaries(db(), _listed_commitments(), today, current_app.config["SOON_DAYS"],
                     cache=services().compliance)
    return render_template("public/portfolio.html", rows=rows, today=today)


@bp.get("/compromisos/<commitment_slug>/cumplimiento")
def commitment_compliance(commitment_slug: str):
    commitment = _commitment_or_404(commitment_slug)
    c, as_of, error = _compliance_request(commitment)
    if c is None:
        abort(404)
    chosen: set[str] = {s for s in request.args.getlist("estado") if s in compliance.STATUSES}
    counts = {s: sum(1 for m in c.assessment.milestones if m.status == s) for s in compliance.STATUSES}
    today = _today()
    return render_template("public/dashboard.html", c=c, commitment=commitment, as_of=as_of, error=error,
                           chosen=chosen, counts=counts, rows=compliance.matrix(c, chosen), columns=c.means_columns,
                           timeline=compliance.timeline(c, today=today),
                           see_restricted=can_see_restricted(current_user), today=today,
                           toggled=lambda s: sorted(chosen ^ {s}))


@bp.get("/compromisos/<commitment_slug>/cumplimiento.csv")
def commitment_compliance_csv(commitment_slug: str):
    return _compliance_download("csv", _commitment_or_404(commitment_slug))


@bp.get("/compromisos/<commitment_slug>/cumplimiento/informe.<any(docx, pdf):fmt>")
def commitment_compliance_report(commitment_slug: str, fmt: str):
    return _compliance_download(fmt, _commitment_or_404(commitment_slug))


@bp.get("/cumplimiento.csv")
def dashboard_csv():
    """The default commitment's table, as before there were many plans."""
    return _compliance_download("csv")


@bp.get("/cumplimiento/informe.<any(docx, pdf):fmt>")
def dashboard_report(fmt: str):
    return _compliance_download(fmt)


def _compliance_download(fmt: str, commitment=None):
    """The compliance export as an attachment; restricted evidence is named only to those who may see it."""
    c, _as_of, error = _compliance_request(commitment)
    if c is None or error:
        abort(400, description=error)
    public = not can_see_restricted(current_user)
    if fmt == "csv":  # words in the reader's language; restricted evidence named only for those who may see it
        exported = c.rendered(("csv", public, str(get_locale())), lambda: export.render(fmt, db(), c, public=public))
    else:  # reports carry the moment they were made
        exported = export.render(fmt, db(), c, public=public)
    response = current_app.response_class(exported.body, mimetype=exported.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response


@bp.get("/feed.atom")
def feed():
    from evidence_repo.compliance.feed import atom
    from evidence_repo.compliance.load import load_inputs

    inputs = load_inputs(db())
    if inputs is None:
        abort(404)
    body = atom(db(), inputs, request.url_root, dt.date.today(), current_app.config["SOON_DAYS"])
    return current_app.response_class(body, mimetype="application/atom+xml")
