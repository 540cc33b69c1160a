"""Staff: upload evidence after each session, fix its metadata, replace its file."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from evidence_repo import policy
from evidence_repo.auth.decorators import allowed_if
from evidence_repo.db import db, on_commit, savepoint
from evidence_repo.evidence.operations import (
    EvidenceError,
    EvidenceInput,
    add_evidence,
    list_evidence,
    load_visible_evidence,
    replace_file,
    update_metadata,
)
from evidence_repo.plan.operations import load_commitment, means_catalogue
from evidence_repo.services import services
from evidence_repo.staff.forms import EditForm, ReplaceForm, UploadForm

bp = Blueprint("staff", __name__, url_prefix="/personal")


def _fill_choices(form, commitment) -> None:
    form.milestone.choices = [SelectChoice("", _("Elija una meta…"))] + [
        SelectChoice(str(m.number), _("Meta %(n)s", n=m.number) + " · " + m.objective.splitlines()[0][:90])
        for m in commitment.milestones
    ]
    form.activity.choices = [SelectChoice("", _("Toda la meta / no aplica"))] + [
        SelectChoice(str(a.id), a.name or _("Por definir"), optgroup=_("Meta %(n)s", n=m.number),
                     render_kw={"data-milestone": str(m.number)})
        for m in commitment.milestones for a in m.activities
    ]
    form.means.choices = [SelectChoice("", _("Elija un medio…"))] + [
        SelectChoice(m.name) for m in means_catalogue(db())]


def _input_from(form, commitment) -> EvidenceInput:
    """The form lists one commitment's milestones, so its numbers are that commitment's."""
    return EvidenceInput(milestone=form.milestone.data, means=form.means.data, activity=form.activity.data or None,
                         title=form.title.data, date=form.date.data, description=form.description.data,
                         visibility=form.visibility.data, commitment=commitment.slug)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.route("/subir", methods=["GET", "POST"])
@allowed_if(policy.can_upload)
def upload():
    commitment = load_commitment(db())
    form = UploadForm()
    _fill_choices(form, commitment)
    if request.method == "GET":
        form.milestone.data = request.args.get("meta", "")
        form.means.data = request.args.get("medio", "")
        form.activity.data = request.args.get("actividad", "")
        return render_template("staff/upload.html", form=form, commitment=commitment, results=None)

    files = [f for f in request.files.getlist(form.files.name) if f and f.filename]
    if not form.validate() or not files:
        if not files:
            form.files.errors = list(form.files.errors) + [_("Elija al menos un archivo.")]
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
        return jsonify(results=results, milestone_url=url_for("public.milestone", number=int(data.milestone))), status
    for r in results:
        if r["ok"]:
            flash(_("Guardado: «%(t)s» (evidencia #%(id)s). Su texto se está procesando.", t=r["title"], id=r["id"]),
                  "success")
        else:
            flash(_("No se guardó «%(f)s»: %(m)s", f=r["file"], m=r["message"]), "error")
    if stored:
        return redirect(url_for("public.milestone", number=int(data.milestone)))
    return render_template("staff/upload.html", form=form, commitment=commitment, results=results), 400


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
    page = max(request.args.get("pagina", 1, type=int) or 1, 1)
    rows, total = list_evidence(db(), include_restricted=policy.can_see_restricted(current_user), page=page,
                                per_page=25)
    return render_template("staff/evidence_list.html", rows=rows, total=total, page=page, per_page=25)


@bp.route("/evidencias/<int:evidence_id>/editar", methods=["GET", "POST"])
@allowed_if(policy.can_upload)
def edit(evidence_id: int):
    evidence = load_visible_evidence(db(), evidence_id, current_user) or abort(404)
    commitment = load_commitment(db(), evidence.milestone.commitment.slug)  # its own programme's milestones
    form = EditForm()
    _fill_choices(form, commitment)
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
