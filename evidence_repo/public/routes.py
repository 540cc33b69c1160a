"""Pages anyone can read without an account."""
from __future__ import annotations

import base64

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_babel import gettext as _

from evidence_repo.auth.decorators import can_see_restricted
from evidence_repo.database import db
from evidence_repo.evidence.indexing import file_type_label
from evidence_repo.evidence.operations import list_evidence, load_evidence
from evidence_repo.plan.operations import load_commitment, load_milestone, milestone_numbers
from evidence_repo.services import blob_store
from storage import BlobMissing

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    return render_template("public/home.html", commitment=load_commitment(db()))


@bp.get("/plan")
def plan():
    commitment = load_commitment(db())
    if commitment is None:
        abort(404)
    return render_template("public/plan.html", commitment=commitment)


@bp.get("/metas/<int:number>")
def milestone(number: int):
    m = load_milestone(db(), number)
    if m is None:
        abort(404, description=_("No existe la meta %(n)s en este plan.", n=number))
    numbers = milestone_numbers(db())
    i = numbers.index(m.number)
    page = max(request.args.get("pagina", 1, type=int) or 1, 1)
    evidence, total = list_evidence(db(), include_restricted=can_see_restricted(), milestone_number=number,
                                    page=page, per_page=50)
    return render_template(
        "public/milestone.html",
        milestone=m,
        evidence=evidence,
        evidence_total=total,
        page=page,
        per_page=50,
        type_label=file_type_label,
        commitment=m.commitment,
        previous=numbers[i - 1] if i > 0 else None,
        next=numbers[i + 1] if i + 1 < len(numbers) else None,
    )


def _visible_evidence(evidence_id: int):
    """Restricted evidence does not exist for the public: 404, the same as a missing id."""
    evidence = load_evidence(db(), evidence_id)
    if evidence is None or (not evidence.is_public and not can_see_restricted()):
        abort(404, description=_("No encontramos esa evidencia."))
    return evidence


@bp.get("/evidencias/<int:evidence_id>")
def evidence(evidence_id: int):
    e = _visible_evidence(evidence_id)
    return render_template("public/evidence.html", evidence=e, type_label=file_type_label)


@bp.get("/evidencias/<int:evidence_id>/descargar")
def download(evidence_id: int):
    e = _visible_evidence(evidence_id)
    version = request.args.get("version", type=int)
    f = next((f for f in e.files if f.version == version), None) if version else e.current
    if f is None:
        abort(404, description=_("Esa versión no existe."))
    try:
        handle = blob_store().open(f.sha256)
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
        return send_file(blob_store().open(sha), mimetype="image/jpeg", max_age=86400, etag=sha)
    except BlobMissing:
        abort(404)
