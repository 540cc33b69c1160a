"""JSON API v1: read-only plan for now; every endpoint is described in openapi.json."""
from __future__ import annotations

import datetime as dt
import json
from functools import cache
from importlib import resources

from flask import Blueprint, current_app, jsonify, request, url_for

from evidence_repo import policy
from evidence_repo.accounts.tokens import user_for_token
from evidence_repo.auth.body_limits import accepts_uploads
from evidence_repo.committee import agreements
from evidence_repo.compliance import export as compliance_export
from evidence_repo.compliance import views as compliance_views
from evidence_repo.compliance.status import STATUSES
from evidence_repo.dates import parse_as_of
from evidence_repo.db import MAX_INTEGER, db, on_commit, rollback_request, savepoint
from evidence_repo.evidence.operations import (
    DuplicateEvidence,
    EvidenceError,
    EvidenceInput,
    add_evidence,
    list_evidence,
    load_evidence,
    load_visible_evidence,
    update_metadata,
)
from evidence_repo.evidence.search import (
    SEARCH_FAILED,
    SearchParamError,
    parse_params,
    programme_titles,
    results_dict,
    run_search,
)
from evidence_repo.inputs import whole_number
from evidence_repo.participation import operations as observations
from evidence_repo.plan.operations import commitment_changes, list_plans, load_commitment, load_milestone
from evidence_repo.plan.serialize import (
    change_dict,
    commitment_detail_dict,
    milestone_dict,
    plan_dict,
    scoped_milestone_dict,
)
from evidence_repo.public import limits
from evidence_repo.services import services
from evidence_repo.urls import external_url
from indexer import SearchFailed

bp = Blueprint("api", __name__)


@cache
def openapi_document() -> dict:
    return json.loads((resources.files("evidence_repo.api") / "openapi.json").read_text(encoding="utf-8"))


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/plan")
def plan():
    commitment = load_commitment(db())
    if commitment is None:
        raise ApiError(404, "No hay ningún plan cargado")
    return jsonify(plan_dict(commitment))


@bp.get("/milestones/<int:number>")
def milestone(number: int):
    m = load_milestone(db(), number)
    if m is None:
        raise ApiError(404, f"No existe la meta {number}")
    return jsonify(milestone_dict(m))


# ---------------------------------------------------------------------------------- every programme

def _commitment(slug: str):
    commitment = load_commitment(db(), slug)
    if commitment is None:
        raise ApiError(404, f"No existe el compromiso «{slug[:80]}»")
    return commitment


def _as_of() -> dt.date:
    raw = request.args.get("as_of")
    if raw is not None and not raw.strip():
        raise ApiError(400, "«as_of» está vacío: omítalo para usar hoy.", {"as_of": "vacío"})
    try:
        return parse_as_of(raw, dt.date.today())
    except ValueError as exc:
        raise ApiError(400, str(exc), {"as_of": str(exc)}) from None


@bp.get("/plans")
def plans():
    """Every plan (archived ones too, marked) with its commitments' progress today; statuses only, no evidence."""
    today, soon = dt.date.today(), current_app.config["SOON_DAYS"]
    out = []
    plans = list_plans(db(), include_archived=True)
    results = compliance_views.compute_many(db(), [c for p in plans for c in p.commitments], today, soon,
                                            cache=services().compliance)
    for p in plans:
        commitments = []
        for listed in p.commitments:
            result = results.get(listed.id)
            counts = dict.fromkeys(STATUSES, 0)
            for m in result.assessment.milestones if result is not None else ():
                counts[m.status] += 1
            commitments.append({"slug": listed.slug, "title": listed.title,
                                "institution": listed.responsible_institution,
                                "percent": result.assessment.percent if result is not None else 0,
                                "status_counts": counts})
        out.append({"slug": p.slug, "title": p.title, "archived": p.archived, "note": p.note,
                    "commitments": commitments})
    return jsonify(out)


@bp.get("/commitments/<slug>")
def commitment(slug: str):
    return jsonify(commitment_detail_dict(_commitment(slug)))


@bp.get("/commitments/<slug>/milestones/<int:number>")
def commitment_milestone(slug: str, number: int):
    c = _commitment(slug)
    m = next((m for m in c.milestones if m.number == number), None)
    if m is None:
        raise ApiError(404, f"No existe la meta {number} en el compromiso «{c.slug}»")
    return jsonify(scoped_milestone_dict(m))


@bp.get("/commitments/<slug>/compliance")
def commitment_compliance(slug: str):
    """One commitment's compliance as of a date; restricted evidence appears only as "restringida" without a token."""
    user = _bearer_user()
    as_of = _as_of()
    c = _commitment(slug)
    result = compliance_views.compute(db(), as_of, current_app.config["SOON_DAYS"], c, cache=services().compliance)
    if result is None:
        raise ApiError(404, f"No existe el compromiso «{slug[:80]}»")
    public = not policy.can_see_restricted(user)
    exported = result.rendered(("json", public), lambda: compliance_export.render("json", db(), result, public=public))
    return current_app.response_class(exported.body, mimetype=exported.mimetype)


@bp.get("/commitments/<slug>/agreements")
def commitment_agreements(slug: str):
    """The follow-up committee's agreements (all, or one meeting's with ``milestone``) and their status as of a date:
    the open data of the "Acuerdos del comité" page; evidence of an answer only if the reader may see it."""
    user = _bearer_user()
    as_of = _as_of()
    c = _commitment(slug)
    listed = agreements.agreements_of(db(), c)
    if request.args.get("milestone") is not None:
        number = _int_arg("milestone", 1, MAX_INTEGER)
        if all(m.number != number for m in c.milestones):
            raise ApiError(404, f"No existe la meta {number} en el compromiso «{c.slug}»")
        listed = [a for a in listed if a.milestone.number == number]
    return jsonify(agreements.open_data(c, agreements.rows(listed, as_of, user), as_of))


@bp.get("/commitments/<slug>/changes")
def commitment_changes_api(slug: str):
    """'Cambios al plan': the commitment's changes and its plan's plan-wide ones, newest first; never who."""
    c = _commitment(slug)
    return jsonify([change_dict(change) for change in commitment_changes(db(), c)])


@bp.get("/observations")
def observations_api():
    """Published citizens' observations and their official answers (open data): never an e-mail, never one that
    was not accepted or is about restricted or withdrawn evidence; the same for every reader."""
    policy.audience(None)
    slug = request.args.get("commitment")
    commitment_id = _commitment(slug).id if slug else None
    rows = observations.public_rows(observations.public_observations(db(), commitment_id=commitment_id))
    return jsonify([row.__dict__ for row in rows])


MAX_PAGE = 10_000


def _int_arg(name: str, default: int, maximum: int) -> int:
    """A whole number from 1 to ``maximum`` (as the document says); anything else is a 400 naming it."""
    raw = request.args.get(name)
    if raw is None:
        return default
    number = whole_number(raw, 1, maximum)
    if number is None:
        message = f"«{name}» debe ser un número entero entre 1 y {maximum}."
        raise ApiError(400, message, {name: message})
    return number


def _bearer_user():
    """The token's user, None without a header; an invalid token is an error, not anonymous access."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    user = user_for_token(db(), token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        raise ApiError(401, "Token inválido o revocado. Use «Authorization: Bearer TOKEN».")
    return user


class ApiError(Exception):
    def __init__(self, code: int, message: str, fields: dict | None = None):
        super().__init__(message)
        self.code, self.message, self.fields = code, message, fields


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    rollback_request()
    body = {"code": exc.code, "message": exc.message}
    if exc.fields:
        body["fields"] = exc.fields
    return jsonify(error=body), exc.code


def evidence_dict(e, *, full: bool, user=None) -> dict:
    f = policy.file_shown(user, e)  # for the public, restricted evidence is its versión pública
    data = {
        "id": e.id,
        "title": e.title,
        "milestone": e.milestone.number,
        "activity": e.activity_id,
        "means": e.means.name,
        "date": e.session_date.isoformat() if e.session_date else None,
        "description": e.description,
        "visibility": e.visibility,
        "sha256": f.sha256 if policy.gets_original_bytes(user) else (f.public_sha256 or f.sha256),
        "size": f.size,
        "mime_type": f.mime_type,
        "file_name": f.original_name,
        "version": f.version if f.version is not None else len(e.public_versions),
        "text_status": f.text_status,
        "text_error": f.text_error,
        "created_at": e.created_at.isoformat(),
        "url": external_url("public.evidence", evidence_id=e.id),
        "download_url": external_url("public.download", evidence_id=e.id),
        "ocr_confidence": f.ocr_confidence,
        "searchable_pdf_url": external_url("public.searchable_copy", evidence_id=e.id) if f.searchable_sha256 else None,
        "is_public_version": f is not e.current,
        "public_version_url": (external_url("public.download", evidence_id=e.id, publica=1)
                               if e.has_public_version else None),
    }
    if policy.can_see_restricted(user):  # privacy by default: warn the uploader, propose restricting
        found = None if f.text_status == "pending" else f.personal_data
        data["privacy_warnings"] = found
        data["suggested_visibility"] = "restricted" if found and e.is_public else None
    if full:
        data["versions"] = [
            {"version": v.version, "sha256": v.sha256, "size": v.size, "mime_type": v.mime_type,
             "file_name": v.original_name, "uploaded_at": v.uploaded_at.isoformat(), "text_status": v.text_status}
            for v in policy.downloadable_versions(user, e)
        ]
    return data


@bp.post("/evidence")
@accepts_uploads
def create_evidence():
    user = _bearer_user()
    if user is None:
        raise ApiError(401, "Se requiere un token: «Authorization: Bearer TOKEN».")
    if not policy.can_upload(user):
        raise ApiError(403, "Su cuenta no puede subir evidencias.")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "Falta el archivo (campo «file» de multipart/form-data).", {"file": "requerido"})
    form = request.form
    data = EvidenceInput(milestone=form.get("milestone"), means=form.get("means"), activity=form.get("activity"),
                         title=form.get("title"), date=form.get("date"), description=form.get("description"),
                         visibility=form.get("visibility") or "public", commitment=form.get("commitment"))
    try:
        with savepoint():
            evidence = add_evidence(db(), services().blobs, upload.stream, upload.filename, data, user,
                                    max_bytes=current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024)
    except EvidenceError as exc:
        fields = exc.problems or ({exc.field: exc.message} if exc.field else None)
        body = ApiError(exc.status, exc.message, fields)
        if isinstance(exc, DuplicateEvidence):
            body.fields = {"file": exc.message, "existing_id": str(exc.evidence_id)}
        raise body from None
    on_commit(services().notify_worker)
    response = jsonify(evidence_dict(evidence, full=True, user=user))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_evidence", evidence_id=evidence.id)
    return response


@bp.get("/evidence")
def list_evidence_api():
    user = _bearer_user()
    page, per_page = _int_arg("page", 1, MAX_PAGE), _int_arg("per_page", 20, 100)
    rows, total = list_evidence(db(), include_restricted=policy.can_see_restricted(user), page=page, per_page=per_page)
    return jsonify(total=total, page=page, per_page=per_page,
                   results=[evidence_dict(e, full=False, user=user) for e in rows])


@bp.get("/evidence/<int:evidence_id>")
def get_evidence(evidence_id: int):
    user = _bearer_user()
    evidence = load_visible_evidence(db(), evidence_id, user)
    if evidence is None:
        gone = load_evidence(db(), evidence_id)
        if gone is not None and gone.is_public and gone.is_withdrawn:
            raise ApiError(410, f"Evidencia {evidence_id} retirada: {gone.withdrawn_reason}")
        raise ApiError(404, f"No existe la evidencia {evidence_id}")
    return jsonify(evidence_dict(evidence, full=True, user=user))


EDITABLE = {"title": (str,), "description": (str, type(None)), "date": (str, type(None)), "means": (str,),
            "activity": (int, type(None)), "visibility": (str,)}


@bp.patch("/evidence/<int:evidence_id>")
def update_evidence(evidence_id: int):
    """Fix metadata or restrict a file from a script: only the fields sent change; validated like an upload,
    audited, and a visibility change reaches the index through the same queue as the web form's."""
    user = _bearer_user()
    if user is None:
        raise ApiError(401, "Se requiere un token: «Authorization: Bearer TOKEN».")
    if not policy.can_upload(user):
        raise ApiError(403, "Su cuenta no puede editar evidencias.")
    evidence = load_visible_evidence(db(), evidence_id, user)
    if evidence is None:
        raise ApiError(404, f"No existe la evidencia {evidence_id}")
    changes = _patch_body()
    current = {"activity": evidence.activity_id, "means": evidence.means.name, "title": evidence.title,
               "date": evidence.session_date, "description": evidence.description,
               "visibility": evidence.visibility}
    merged = {**current, **changes}
    data = EvidenceInput(milestone=evidence.milestone.number, commitment=evidence.milestone.commitment.slug,
                         **merged)
    try:
        with savepoint():
            update_metadata(db(), evidence, data, user)
    except EvidenceError as exc:
        raise ApiError(exc.status, exc.message, exc.problems or ({exc.field: exc.message} if exc.field else None)) \
            from None
    on_commit(services().notify_worker)
    return jsonify(evidence_dict(evidence, full=True, user=user))


def _patch_body() -> dict:
    """A JSON object of editable fields with the right types; anything else is a 400 naming the field."""
    if not request.is_json:
        raise ApiError(415, "Envíe un objeto JSON («Content-Type: application/json»).")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body:
        raise ApiError(400, "Envíe un objeto JSON con al menos un campo: " + ", ".join(EDITABLE) + ".")
    problems = {}
    for name, value in body.items():
        if name not in EDITABLE:
            problems[str(name)[:80]] = "campo desconocido o no editable"
        elif not isinstance(value, EDITABLE[name]) or isinstance(value, bool):
            problems[name] = "tipo inválido"
        elif isinstance(value, int) and not 0 < value <= MAX_INTEGER:
            problems[name] = "no existe"
        elif isinstance(value, str) and len(value) > 20_000:
            problems[name] = "demasiado largo"
    if problems:
        raise ApiError(400, "Revise los campos: " + ", ".join(sorted(problems)) + ".", problems)
    return body


@bp.get("/search")
@limits.searches
def search():
    """Full-text search; restricted evidence only with a token, filtered inside the index query."""
    user = _bearer_user()
    try:
        params = parse_params(request.args, strict=True)
    except SearchParamError as exc:
        raise ApiError(400, exc.message, {exc.field: exc.message}) from None
    svc = services()
    try:
        results = run_search(svc.index(), params, audience=policy.audience(user))
    except SearchFailed:
        raise ApiError(500, str(SEARCH_FAILED)) from None
    data = results_dict(results, programme_titles(db(), results))
    data["index_complete"] = not svc.index_stale
    for item in data["results"]:
        item["url"] = external_url("public.evidence", evidence_id=item["id"])
    return jsonify(data)


@bp.get("/compliance")
def compliance():
    """Compliance as of a date; restricted evidence counts but appears only as "restringida" without a token."""
    user = _bearer_user()
    as_of = _as_of()
    result = compliance_views.compute(db(), as_of, current_app.config["SOON_DAYS"], cache=services().compliance)
    if result is None:
        raise ApiError(404, "No hay ningún plan cargado")
    public = not policy.can_see_restricted(user)
    # JSON is codes, not words: one rendering per audience serves every language
    exported = result.rendered(("json", public), lambda: compliance_export.render("json", db(), result, public=public))
    return current_app.response_class(exported.body, mimetype=exported.mimetype)
