"""Staff: upload evidence after each session, fix its metadata, replace its file."""
from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from evidence_repo import policy
from evidence_repo.auth.body_limits import accepts_uploads
from evidence_repo.auth.decorators import allowed_if
from evidence_repo.db import db, on_commit, savepoint
from evidence_repo.evidence import listing, withdrawal
from evidence_repo.evidence.models import ReviewState
from evidence_repo.evidence.operations import (
    EvidenceError,
    EvidenceInput,
    add_evidence,
    load_visible_evidence,
    replace_file,
    restrict_visibility,
    update_metadata,
)
from evidence_repo.evidence.public_version import add_public_version
from evidence_repo.plan.operations import list_commitments, load_commitment, means_catalogue
from evidence_repo.services import services
from evidence_repo.staff.forms import EditForm, ReplaceForm, UploadForm

bp = Blueprint("staff", __name__, url_prefix="/personal")


def _fill_choices(form, commitments, chosen_milestone=None) -> None:
    """Milestones and activities of ``commitments`` (each option names its own in data attributes, for upload.js);
    means: the chosen milestone's required ones first, the rest under "Otro medio"."""
    several = len(commitments) > 1
    form.milestone.choices = [SelectChoice("", _("Elija una meta…"))] + [
        SelectChoice(str(m.number), _("Meta %(n)s", n=m.number) + " · " + m.objective.splitlines()[0][:90],
                     optgroup=c.title[:80] if several else None,
                     render_kw={"data-commitment": c.slug,
                                "data-means": json.dumps(list(dict.fromkeys(r.means.name for r in m.requirements)),
                                                         ensure_ascii=False)})
        for c in commitments for m in c.milestones
    ]
    form.activity.choices = [SelectChoice("", _("Toda la meta / no aplica"))] + [
        SelectChoice(str(a.id), a.name or _("Por definir"), optgroup=_("Meta %(n)s", n=m.number),
                     render_kw={"data-milestone": str(m.number), "data-commitment": c.slug})
        for c in commitments for m in c.milestones for a in m.activities
    ]
    catalogue = [m.name for m in means_catalogue(db())]
    required = list(dict.fromkeys(r.means.name for r in chosen_milestone.requirements)) if chosen_milestone else []
    form.means.choices = [SelectChoice("", _("Elija un medio…"))] + (
        [SelectChoice(name, optgroup=_("Exigidos por la meta %(n)s", n=chosen_milestone.number))
         for name in required] +
        [SelectChoice(name, optgroup=_("Otro medio")) for name in catalogue if name not in required]
        if required else [SelectChoice(name) for name in catalogue])


def _upload_commitments() -> list:
    """Every commitment, with milestones, activities and requirements, in the order of the home page."""
    return [c for c in (load_commitment(db(), listed.slug) for listed in list_commitments(db())) if c is not None]


def _chosen(commitments, slug: str | None):
    """The commitment named by ``slug``, or the only one."""
    if len(commitments) == 1 and not slug:
        return commitments[0]
    return next((c for c in commitments if c.slug == slug), None)


def _milestone_of(commitment, number: str | None):
    if commitment is None or number is None or not number.isdigit():
        return None
    return next((m for m in commitment.milestones if m.number == int(number)), None)


def _fill_upload_form(form, commitments, slug: str | None, number: str | None):
    commitment = _chosen(commitments, slug)
    form.commitment.choices = [SelectChoice("", _("Elija un compromiso…"))] + [
        SelectChoice(c.slug, c.title[:110] + (" · " + _("archivado") if c.plan.archived else "")) for c in commitments]
    form.commitment.data = commitment.slug if commitment else (slug or "")
    _fill_choices(form, commitments, _milestone_of(commitment, number))
    return commitment


def _input_from(form, commitment) -> EvidenceInput:
    """The form lists one commitment's milestones, so its numbers are that commitment's."""
    return EvidenceInput(milestone=form.milestone.data, means=form.means.data, activity=form.activity.data or None,
                         title=form.title.data, date=form.date.data, description=form.description.data,
                         visibility=form.visibility.data, commitment=commitment.slug)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.route("/subir", methods=["GET", "POST"])
@accepts_uploads
@allowed_if(policy.can_upload)
def upload():
    commitments = _upload_commitments()
    form = UploadForm()
    if request.method == "GET":
        commitment = _fill_upload_form(form, commitments, request.args.get("compromiso"), request.args.get("meta"))
        form.milestone.data = request.args.get("meta", "")
        form.means.data = request.args.get("medio", "")
        form.activity.data = request.args.get("actividad", "")
        return render_template("staff/upload.html", form=form, commitment=commitment, results=None)

    commitment = _fill_upload_form(form, commitments, form.commitment.data or None, form.milestone.data)
    files = [f for f in request.files.getlist(form.files.name) if f and f.filename]
    if not form.validate() or not files or commitment is None:
        if not files:
            form.files.errors = list(form.files.errors) + [_("Elija al menos un archivo.")]
        if commitment is None:
            form.commitment.errors = list(form.commitment.errors) + [_("Elija el compromiso de la evidencia.")]
        return _upload_failed(form, commitment, {f: e[0] for f, e in form.errors.items()})

    data = _input_from(form, commitment)
    if len(files) > 1:
        data.title = None
    results, problems = [], {}
    for storage in files:
        try:
            with savepoint():  # one bad file does not undo the others
                evidence = add_evidence(db(), services().blobs, storage.stream, storage.filename, data,
                                        current_user, max_bytes=current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024)
            results.append({"file": storage.filename, "ok": True, "id": evidence.id, "title": evidence.title,
                            "url": url_for("public.evidence", evidence_id=evidence.id)})
        except EvidenceError as exc:
            if exc.field != "file":
                problems = exc.problems or {exc.field: exc.message}
                return _upload_failed(form, commitment, problems)
            results.append({"file": storage.filename, "ok": False, "message": exc.message, "status": exc.status})
    on_commit(services().notify_worker)
    stored = sum(r["ok"] for r in results)
    if _wants_json():
        status = 201 if stored == len(results) else (results[0].get("status", 400) if len(results) == 1 else 207)
        return jsonify(results=results, milestone_url=_milestone_url(commitment, data)), status
    for r in results:
        if r["ok"]:
            flash(_("Guardado: «%(t)s» (evidencia #%(id)s). Su texto se está procesando.", t=r["title"], id=r["id"]),
                  "success")
        else:
            flash(_("No se guardó «%(f)s»: %(m)s", f=r["file"], m=r["message"]), "error")
    if stored and data.visibility == "public":  # privacy by default: the check runs once the text is read
        flash(_("Al terminar de leer el texto se revisa si contiene datos personales (correos, teléfonos, CURP, "
                "listas de asistencia): la página de la evidencia lo avisará y le propondrá restringirla."), "info")
    if stored:
        return redirect(_milestone_url(commitment, data))
    return render_template("staff/upload.html", form=form, commitment=commitment, results=results), 400


def _milestone_url(commitment, data: EvidenceInput) -> str:
    return url_for("public.commitment_milestone", commitment_slug=commitment.slug, number=int(data.milestone or 0))


def _upload_failed(form, commitment, problems: dict[str, str]):
    for name, message in problems.items():
        field = getattr(form, name, None)
        if field is not None and message not in field.errors:
            field.errors = list(field.errors) + [message]
    if _wants_json():
        return jsonify(error={"code": 400, "message": next(iter(problems.values()), _("Revise el formulario.")),
                              "fields": problems}), 400
    return render_template("staff/upload.html", form=form, commitment=commitment, results=None), 400


@bp.get("/evidencias")
@allowed_if(policy.can_list_evidence)
def evidence_list():
    return _evidence_list("staff.evidence_list", {})


@bp.get("/observadas")
@allowed_if(policy.can_list_evidence)
def observed():
    """Evidence the committee observed, with its comment: what staff have to fix."""
    return _evidence_list("staff.observed", {"estado": ReviewState.observed.value})


@bp.get("/mias")
@allowed_if(policy.can_list_evidence)
def mine():
    return _evidence_list("staff.mine", {"subida_por": listing.MINE})


def _evidence_list(endpoint: str, fixed: dict[str, str]):
    """The staff list under the query string's filters; ``fixed`` ones (a tab's own) win over the query string."""
    filters = listing.parse({**request.args.to_dict(), **fixed}, me=current_user.id)
    result = listing.evidence_page(db(), filters, include_restricted=policy.can_see_restricted(current_user),
                                   page=listing.page_number(request.args.get("pagina")))
    return render_template("staff/evidence_list.html", result=result, filters=filters, fixed=fixed,
                           endpoint=endpoint, choices=listing.filter_choices(db(), filters),
                           args={k: v for k, v in filters.query_args(me=current_user.id).items() if k not in fixed})


@bp.route("/evidencias/<int:evidence_id>/editar", methods=["GET", "POST"])
@allowed_if(policy.can_upload)
def edit(evidence_id: int):
    evidence = load_visible_evidence(db(), evidence_id, current_user) or abort(404)
    commitment = load_commitment(db(), evidence.milestone.commitment.slug)  # its own programme's milestones
    form = EditForm()
    _fill_choices(form, [commitment], evidence.milestone)
    replace = ReplaceForm(prefix="replace")
    if request.method == "GET":
        form.milestone.data = str(evidence.milestone.number)
        form.activity.data = str(evidence.activity_id or "")
        form.means.data = evidence.means.name
        form.title.data = evidence.title
        form.date.data = evidence.session_date.isoformat() if evidence.session_date else ""
        form.description.data = evidence.description or ""
        form.visibility.data = evidence.visibility
    elif form.validate():
        try:
            with savepoint():
                update_metadata(db(), evidence, _input_from(form, commitment), current_user)
            on_commit(services().notify_worker)
            flash(_("Cambios guardados."), "success")
            return redirect(url_for("public.evidence", evidence_id=evidence.id))
        except EvidenceError as exc:
            for name, message in (exc.problems or {exc.field or "": exc.message}).items():
                field = getattr(form, name or "", None)
                (field.errors.append(message) if field is not None else flash(message, "error"))
    status = 400 if request.method == "POST" else 200
    return render_template("staff/edit.html", form=form, replace=replace, evidence=evidence), status


@bp.post("/evidencias/<int:evidence_id>/reemplazar")
@accepts_uploads
@allowed_if(policy.can_upload)
def replace(evidence_id: int):
    evidence = load_visible_evidence(db(), evidence_id, current_user) or abort(404)
    form = ReplaceForm(prefix="replace")
    upload = request.files.get(form.file.name)
    if not form.validate() or upload is None or not upload.filename:
        flash(_("Elija el archivo que reemplaza a la versión actual."), "error")
        return redirect(url_for("staff.edit", evidence_id=evidence.id))
    try:
        with savepoint():
            version = replace_file(db(), services().blobs, evidence, upload.stream, upload.filename, current_user,
                                   max_bytes=current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024)
        on_commit(services().notify_worker)
        flash(_("Se guardó la versión %(v)s; la anterior se conserva.", v=version.version), "success")
        return redirect(url_for("public.evidence", evidence_id=evidence.id))
    except EvidenceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("staff.edit", evidence_id=evidence.id))


@bp.post("/evidencias/<int:evidence_id>/retirar")
@allowed_if(policy.can_withdraw)
def withdraw(evidence_id: int):
    """Hide evidence from the public with a reason; the file is kept and its address says why."""
    evidence = load_visible_evidence(db(), evidence_id, current_user) or abort(404)
    try:
        with savepoint():
            withdrawal.withdraw(db(), evidence, current_user, request.form.get("reason"))
        on_commit(services().notify_worker)
        flash(_("Evidencia retirada: ya no aparece al público. El archivo se conserva."), "success")
        return redirect(url_for("public.evidence", evidence_id=evidence.id))
    except EvidenceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("staff.edit", evidence_id=evidence.id))


@bp.post("/evidencias/<int:evidence_id>/restringir")
@allowed_if(policy.can_upload)
def restrict(evidence_id: int):
    """One click from the personal-data warning: the evidence becomes restricted (audited, out of public search
    within seconds); a versión pública can then be uploaded for the public."""
    evidence = load_visible_evidence(db(), evidence_id, current_user) or abort(404)
    try:
        with savepoint():
            changed = restrict_visibility(db(), evidence, current_user)
        if changed:
            on_commit(services().notify_worker)
        flash(_("Evidencia restringida: el público ya no la ve. Puede subir una versión pública (testada)."), "success")
    except EvidenceError as exc:
        flash(exc.message, "error")
    return redirect(url_for("public.evidence", evidence_id=evidence.id))


@bp.post("/evidencias/<int:evidence_id>/version-publica")
@accepts_uploads
@allowed_if(policy.can_upload)
def public_version(evidence_id: int):
    """Upload the versión pública (a redacted copy) of restricted evidence."""
    evidence = load_visible_evidence(db(), evidence_id, current_user) or abort(404)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Elija el archivo testado (la versión pública)."), "error")
        return redirect(url_for("public.evidence", evidence_id=evidence.id))
    try:
        with savepoint():
            add_public_version(db(), services().blobs, evidence, upload.stream, upload.filename, current_user,
                               max_bytes=current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024)
        on_commit(services().notify_worker)
        flash(_("Se guardó la versión pública: el público verá sólo esa copia. Su texto se está procesando."),
              "success")
    except EvidenceError as exc:
        flash(exc.message, "error")
    return redirect(url_for("public.evidence", evidence_id=evidence.id))
