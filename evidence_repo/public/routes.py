"""Pages anyone can read without an account."""
from __future__ import annotations

import base64
import datetime as dt

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from evidence_repo.compliance import export
from evidence_repo.compliance import views as compliance
from evidence_repo.dates import parse_as_of
from evidence_repo.db import db
from evidence_repo.evidence.indexing import file_type_label
from evidence_repo.evidence.operations import list_evidence, load_visible_evidence
from evidence_repo.evidence.search import SEARCH_FAILED, parse_params, run_search
from evidence_repo.plan.operations import load_commitment
from evidence_repo.policy import audience, can_see_restricted
from evidence_repo.services import services
from indexer import SearchFailed, SearchResults
from storage import BlobMissing

bp = Blueprint("public", __name__)
TEXT_PREVIEW_CHARS = 200_000


@bp.get("/")
def home():
    return render_template("public/home.html", commitment=load_commitment(db()))


@bp.get("/plan")
def plan():
    commitment = load_commitment(db())
    if commitment is None:
        abort(404)
    c = _compute(dt.date.today(), commitment)
    return render_template("public/plan.html", commitment=commitment, assessment=c.milestone,
                           percent=c.assessment.percent)


@bp.get("/metas/<int:number>")
def milestone(number: int):
    commitment = load_commitment(db())
    m = next((m for m in commitment.milestones if m.number == number), None) if commitment else None
    if commitment is None or m is None:
        abort(404, description=_("No existe la meta %(n)s en este plan.", n=number))
    numbers = [x.number for x in commitment.milestones]
    i = numbers.index(m.number)
    c = _compute(dt.date.today(), commitment)
    if c is None:
        abort(404)
    see_all = can_see_restricted(current_user)
    total = c.evidence_count(number, include_restricted=see_all)
    page = max(request.args.get("pagina", 1, type=int) or 1, 1)
    evidence, _total = list_evidence(db(), include_restricted=see_all, milestone_number=number, page=page,
                                     per_page=50, total=total)
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
    try:
        results = run_search(svc.index(), params, audience=audience(current_user))
    except SearchFailed:
        results = SearchResults(0, params.page, params.per_page)
        failure, status = str(SEARCH_FAILED), 500
    return render_template("public/search.html", params=params, results=results, notice=svc.index_notice(),
                           failure=failure, milestones=load_commitment(db()).milestones,
                           facet_order=facet_order), status


def facet_order(name: str, counts: dict[str, int]) -> list[tuple[str, int]]:
    if name == "milestone":
        return sorted(counts.items(), key=lambda kv: int(kv[0]))
    if name == "year":
        return sorted(counts.items(), reverse=True)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _compliance_request():
    """(compliance, as_of, error message) for ?as_of=; a bad date falls back to today with a message."""
    today = dt.date.today()
    error = None
    try:
        as_of = parse_as_of(request.args.get("as_of"), today)
    except ValueError as exc:
        as_of, error = today, str(exc)
    return _compute(as_of), as_of, error


def _compute(as_of: dt.date, commitment=None) -> compliance.Compliance | None:
    """Compliance as of ``as_of``, shared with this process's other requests while the data stays the same."""
    return compliance.compute(db(), as_of, current_app.config["SOON_DAYS"], commitment, cache=services().compliance)


@bp.get("/cumplimiento")
def dashboard():
    c, as_of, error = _compliance_request()
    if c is None:
        abort(404)
    chosen = {s for s in request.args.getlist("estado") if s in compliance.STATUSES}
    counts = {s: sum(1 for m in c.assessment.milestones if m.status == s) for s in compliance.STATUSES}
    today = dt.date.today()
    return render_template("public/dashboard.html", c=c, as_of=as_of, error=error, chosen=chosen, counts=counts,
                           rows=compliance.matrix(c, chosen), columns=c.means_columns,
                           timeline=compliance.timeline(c, today=today),
                           today=today, toggled=lambda s: sorted(chosen ^ {s}))


@bp.get("/cumplimiento.csv")
def dashboard_csv():
    return _compliance_download("csv")


@bp.get("/cumplimiento/informe.<any(docx, pdf):fmt>")
def dashboard_report(fmt: str):
    return _compliance_download(fmt)


def _compliance_download(fmt: str):
    """The compliance export as an attachment; restricted evidence is named only to those who may see it."""
    c, _as_of, error = _compliance_request()
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
