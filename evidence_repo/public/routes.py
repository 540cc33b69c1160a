"""Pages anyone can read without an account."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from evidence_repo.committee import agreements
from evidence_repo.compliance import export
from evidence_repo.compliance import views as compliance
from evidence_repo.compliance.portfolio import summaries
from evidence_repo.compliance.status import AGREEMENT_SYMBOLS
from evidence_repo.dates import parse_as_of
from evidence_repo.db import db
from evidence_repo.evidence.operations import list_evidence, load_evidence, load_visible_evidence
from evidence_repo.evidence.previews import preview_pages
from evidence_repo.evidence.public_copy import NoPublicCopy, without_metadata
from evidence_repo.evidence.search import (
    SEARCH_FAILED,
    parse_params,
    programme_titles,
    run_search,
    switch_facets,
)
from evidence_repo.participation import operations as observations
from evidence_repo.plan.operations import list_commitments, list_plans, load_commitment, load_plan
from evidence_repo.policy import (
    audience,
    can_download_version,
    can_see_restricted,
    file_shown,
    gets_original_bytes,
    shared_caches_may_keep,
)
from evidence_repo.public import limits
from evidence_repo.services import services
from evidence_repo.urls import bounded_int, carried_url, site_root
from indexer import SearchFailed, SearchResults
from indexer.extract import name_for_type
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
    plans = list_plans(db(), with_milestones=True)
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
                           percent=c.assessment.percent, compliance=c)


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
        return redirect(carried_url("public.commitment", commitment_slug=commitments[0].slug))
    return _chooser(_("Elija un compromiso"), _("Este sitio reúne varios compromisos. ¿Cuál quiere consultar?"),
                    commitments, "public.commitment")


@bp.get("/metas/<int:number>")
def milestone(number: int):
    """Before there were many plans: milestone ``number`` of the only commitment having it, or a chooser."""
    commitments = [c for c in _listed_commitments() if any(m.number == number for m in c.milestones)]
    if not commitments:
        abort(404, description=_("No existe la meta %(n)s en este plan.", n=number))
    if len(commitments) == 1:
        return redirect(carried_url("public.commitment_milestone", commitment_slug=commitments[0].slug,
                                    number=number))
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
    page = max(request.args.get("pagina", 1, type=bounded_int) or 1, 1)
    # Staff's count comes with the compliance result; the public's is counted by the same query that lists the page
    # (restricted evidence shown by its versión pública included).
    evidence, total = list_evidence(db(), include_restricted=see_all, milestone_number=number, page=page,
                                    per_page=50, total=c.evidence_count(number, include_restricted=True)
                                    if see_all else None, commitment_id=commitment.id)
    return render_template(
        "public/milestone.html",
        milestone=m,
        compliance=c,
        assessment=c.milestone,
        evidence=evidence,
        groups=group_by_means(m, evidence),
        evidence_total=total,
        page=page,
        per_page=50,
        commitment=commitment,
        previous=numbers[i - 1] if i > 0 else None,
        next=numbers[i + 1] if i + 1 < len(numbers) else None,
        observations=observations.public_observations(db(), milestone_id=m.id),
        agreements=agreements.rows(agreements.agreements_at(db(), m), _today(), current_user),
        agreement_symbols=AGREEMENT_SYMBOLS,
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
    """Restricted evidence does not exist for the public: 404, the same as a missing id. Withdrawn public
    evidence answers 410 at its old address, saying why."""
    evidence = load_visible_evidence(db(), evidence_id, current_user)
    if evidence is None:
        gone = load_evidence(db(), evidence_id)
        if gone is not None and gone.is_public and gone.is_withdrawn:
            abort(410, description=_("Evidencia #%(id)s retirada: %(reason)s", id=evidence_id,
                                     reason=gone.withdrawn_reason))
        abort(404, description=_("No encontramos esa evidencia."))
    return evidence


@bp.get("/evidencias/<int:evidence_id>")
def evidence(evidence_id: int):
    e = _visible_evidence(evidence_id)
    query = (request.args.get("q") or "").strip()[:500]
    index = services().index()
    shown = file_shown(current_user, e)  # for the public, a restricted item's versión pública
    text = shown.text or ""
    highlighted = index.highlight(text, query, max_chars=TEXT_PREVIEW_CHARS) if query else None
    try:
        similar = index.similar(str(e.id), visibility=audience(current_user), limit=5)
    except SearchFailed:  # logged by the backend; the evidence itself is still worth showing
        similar = []
    return render_template("public/evidence.html", evidence=e, f=shown, query=query,
                           highlighted=highlighted, text=text[:TEXT_PREVIEW_CHARS],
                           truncated=len(text) > TEXT_PREVIEW_CHARS, similar=similar,
                           observations=observations.public_observations(db(), evidence_id=e.id)
                           if e.is_public and not e.is_withdrawn else [],
                           preview_pages=preview_pages(shown.mime_type, shown.pages)
                           if getattr(shown, "purged_at", None) is None else [])


@bp.get("/evidencias/<int:evidence_id>/descargar")
def download(evidence_id: int):
    e, f = _downloadable_file(evidence_id)
    sha = f.sha256 if gets_original_bytes(current_user) else (f.public_sha256 or f.sha256)
    try:
        handle = services().blobs.open(sha)
        if sha == f.sha256 and not gets_original_bytes(current_user):  # a photo stored before public copies
            cleaned = without_metadata(services().blobs.path_for(sha), f.mime_type)
            if cleaned is not None:
                handle.close()
                handle, sha = io.BytesIO(cleaned), hashlib.sha256(cleaned).hexdigest()
    except BlobMissing:
        current_app.logger.error("stored file missing for evidence %s version %s", e.id, f.version)
        abort(404, description=_("El archivo no está disponible en este momento."))
    except NoPublicCopy:
        current_app.logger.error("no public copy of evidence %s version %s", e.id, f.version, exc_info=True)
        abort(404, description=_("Esta imagen no se pudo leer para quitarle sus metadatos (EXIF, ubicación), así que "
                                 "no se ofrece al público; el personal conserva el original."))
    response = send_file(handle, mimetype=f.mime_type, as_attachment=True,
                         download_name=name_for_type(f.original_name, f.mime_type),
                         etag=sha, max_age=3600, conditional=True)
    # not what the public gets (restricted, an older version, or staff's original of a photo): no shared cache
    if not can_download_version(None, e, f) or sha != (f.public_sha256 or f.sha256):
        response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Digest"] = "sha-256=" + base64.b64encode(bytes.fromhex(sha)).decode()
    if sha != (f.public_sha256 or f.sha256):
        return response
    return _cached_only_if_public(response, e, f)


@bp.get("/evidencias/<int:evidence_id>/pdf-con-texto")
def searchable_copy(evidence_id: int):
    """The searchable PDF made from a scan: visible exactly when the original is (the same lookup)."""
    e, f = _downloadable_file(evidence_id)
    if not f.searchable_sha256:
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
    return _cached_only_if_public(response, e, f)


def _downloadable_file(evidence_id: int):
    """The evidence and the file version (``?version=``, default the current one) this reader may download; the
    one rule for the original and for its searchable copy: 404 for what the reader may not see (restricted
    evidence, an older version not published), 410 for withdrawn evidence and purged bytes. ``?publica`` (and, for
    the public, restricted evidence) means its versión pública, the only file of it the public may download."""
    e = _visible_evidence(evidence_id)
    version = request.args.get("version", type=bounded_int)
    if "publica" in request.args or file_shown(current_user, e) is not e.current:  # the versión pública
        f = None if version else e.public_version
    else:
        f = next((f for f in e.files if f.version == version), None) if version else e.current
    if f is not None and f.purged_at is not None:
        abort(410, description=_("El archivo se eliminó definitivamente (purgado) el %(day)s.",
                                 day=f.purged_at.date().isoformat()))
    if f is None or not can_download_version(current_user, e, f):
        abort(404, description=_("Esa versión no existe."))
    return e, f


def searchable_name(original_name: str) -> str:
    """``lista.jpg`` -> ``lista (con texto).pdf``."""
    stem = original_name.rsplit(".", 1)[0] if "." in original_name else original_name
    return f"{stem or 'evidencia'} (con texto).pdf"


@bp.get("/evidencias/<int:evidence_id>/vista/<int:page>")
def preview(evidence_id: int, page: int):
    """A large JPEG of a PDF's page or of a photo, for the page's viewer: shown exactly when the file may be
    downloaded (the same lookup: 404 restricted or unpublished, 410 withdrawn or purged)."""
    e, f = _downloadable_file(evidence_id)
    if page not in preview_pages(f.mime_type, f.pages):
        abort(404, description=_("Esta evidencia no tiene vista previa de esa página."))
    image = services().previews.get(f.sha256, f.mime_type, page)
    if image is None:
        abort(404, description=_("No se pudo preparar la vista previa; descargue el archivo para verlo."))
    response = send_file(image, mimetype="image/jpeg", max_age=86400, etag=f"{f.sha256}-{page}")
    return _cached_only_if_public(response, e, f)


@bp.get("/evidencias/<int:evidence_id>/miniatura")
def thumbnail(evidence_id: int):
    e = _visible_evidence(evidence_id)
    sha = file_shown(current_user, e).thumbnail_sha256  # a versión pública has none
    if not sha:
        abort(404)
    try:
        response = send_file(services().blobs.open(sha), mimetype="image/jpeg", max_age=86400, etag=sha)
    except BlobMissing:
        abort(404)
    return _cached_only_if_public(response, e, e.current)


def _cached_only_if_public(response, evidence, file):
    """Public files may be kept by any cache; everything else is ``private, no-store``."""
    if not shared_caches_may_keep(evidence, file):
        response.cache_control.public = False
        response.cache_control.max_age = None
        response.cache_control.private = True
        response.cache_control.no_store = True
    return response


@bp.get("/buscar")
@limits.searches
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
                           toggled=lambda s: sorted(chosen ^ {s}),
                           unanswered=observations.unanswered_counts(db(), commitment.id))


@bp.get("/compromisos/<commitment_slug>/cumplimiento.csv")
def commitment_compliance_csv(commitment_slug: str):
    return _compliance_download("csv", _commitment_or_404(commitment_slug))


@bp.get("/compromisos/<commitment_slug>/cumplimiento/informe.<any(docx, pdf):fmt>")
@limits.reports
def commitment_compliance_report(commitment_slug: str, fmt: str):
    return _compliance_download(fmt, _commitment_or_404(commitment_slug))


@bp.get("/cumplimiento.csv")
def dashboard_csv():
    """The default commitment's table, as before there were many plans."""
    return _compliance_download("csv")


@bp.get("/cumplimiento/informe.<any(docx, pdf):fmt>")
@limits.reports
def dashboard_report(fmt: str):
    return _compliance_download(fmt)


def _compliance_download(fmt: str, commitment=None):
    """The compliance export as an attachment; restricted evidence is named only to those who may see it."""
    c, _as_of, error = _compliance_request(commitment)
    if c is None or error:
        abort(400, description=error)
    public = not can_see_restricted(current_user)
    # Made once per result (so per data generation, see compliance/cache.py), format, audience and language: the
    # report's "generado" moment is when this data was first rendered.
    exported = c.rendered((fmt, public, str(get_locale())), lambda: export.render(fmt, db(), c, public=public))
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
    body = atom(db(), inputs, site_root(), dt.date.today(), current_app.config["SOON_DAYS"])
    return current_app.response_class(body, mimetype="application/atom+xml")


def _manifest():
    """Every public file with its SHA-256, and the audit chain's head: anyone can check a download and see
    that history only moves forward. The same for every reader."""
    from evidence_repo.audit.public import chain_head, public_files

    audience(None)  # public by construction, whoever asks
    return public_files(db(), services().blobs), chain_head(db())


@bp.get("/manifiesto.csv")
def manifest_csv():
    from evidence_repo.audit.public import manifest_csv as render

    response = current_app.response_class(render(*_manifest()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="manifiesto.csv"'
    return response


@bp.get("/manifiesto.json")
def manifest():
    files, top = _manifest()
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "audit_chain_head": {"record_id": top.record_id, "sha256": top.hash},
        "files": [{"evidence_id": f.evidence_id, "version": f.version, "file_name": f.file_name, "sha256": f.sha256,
                   "size": f.size, "date": f.date.isoformat(),
                   "download_url": _manifest_download_url(f)} for f in files],
    }


def _manifest_download_url(f) -> str:
    if not f.version:  # a versión pública
        return url_for("public.download", evidence_id=f.evidence_id, publica=1, _external=True)
    return url_for("public.download", evidence_id=f.evidence_id, version=f.version, _external=True)


@bp.get("/actividad")
def activity():
    """Public events, newest first: no personal data, nothing about restricted evidence."""
    from evidence_repo.audit.public import chain_head, public_events

    audience(None)  # the public view, whoever asks
    before = request.args.get("antes", type=int)
    if before is not None and not 0 < before < 2**62:
        abort(400)
    events = public_events(db(), before_id=before, limit=100)
    return render_template("public/activity.html", events=events, head=chain_head(db()), before=before)
