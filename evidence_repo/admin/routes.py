"""Admins adjust the plan as it changes (dates, activities, required means and their scope) and manage accounts.

Every change needs a reason; it is audited and published as a plan change. ``?compromiso=<slug>`` picks the
commitment (default: the first one loaded).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from evidence_repo import policy
from evidence_repo.accounts.models import ROLE_NAMES, User
from evidence_repo.accounts.operations import AccountError, create_user, reset_password, set_active, set_roles
from evidence_repo.accounts.tokens import tokens_of
from evidence_repo.audit import AuditRecord
from evidence_repo.auth.decorators import allowed_if
from evidence_repo.db import db, on_commit, savepoint
from evidence_repo.evidence import operations, withdrawal
from evidence_repo.evidence.operations import load_visible_evidence
from evidence_repo.mail.sending import outbox_counts
from evidence_repo.plan import editing
from evidence_repo.plan.models import Commitment
from evidence_repo.plan.operations import load_milestone, means_catalogue
from evidence_repo.plan.scope import SCOPES
from evidence_repo.services import services
from evidence_repo.urls import bounded_int

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _milestone(number: int):
    slug = request.args.get("compromiso") or None
    commitment_id = None
    if slug is not None:
        commitment_id = db().scalar(select(Commitment.id).where(Commitment.slug == slug))
        if commitment_id is None:
            abort(404, description=_("No existe el compromiso «%(slug)s».", slug=slug[:80]))
    return (load_milestone(db(), number, commitment_id)
            or abort(404, description=_("No existe la meta %(n)s en este plan.", n=number)))


@bp.get("/metas/<int:number>")
@allowed_if(policy.can_administer)
def milestone(number: int):
    m = _milestone(number)
    history = db().scalars(
        select(AuditRecord).where(AuditRecord.entity == "milestone", AuditRecord.entity_id == m.id)
        .order_by(AuditRecord.at.desc()).limit(50)
    ).all()
    return render_template("admin/milestone.html", milestone=m, catalogue=means_catalogue(db()), history=history,
                           scopes=SCOPES)


@bp.post("/metas/<int:number>/<any(actividad, 'nueva-actividad', requisito, 'quitar-requisito', alcance):action>")
@allowed_if(policy.can_administer)
def edit(number: int, action: str):
    m = _milestone(number)
    try:
        with savepoint():
            _apply(m, action, request.form)
        flash(_("Cambio guardado; el cumplimiento ya lo refleja."), "success")
    except editing.PlanEditError as exc:
        flash(exc.message, "error")
    return redirect(url_for("admin.milestone", number=number, compromiso=request.args.get("compromiso") or None))


def _apply(m, action: str, form) -> None:
    reason = form.get("reason")
    if action == "actividad":
        editing.update_activity(db(), m, form.get("activity_id", type=bounded_int), form.get("name"), form.get("date"),
                                current_user, reason=reason)
    elif action == "nueva-actividad":
        editing.add_activity(db(), m, form.get("name"), form.get("date"), current_user, reason=reason)
    elif action == "requisito":
        means = (form.get("new_means") or "").strip() or form.get("means", "")
        editing.add_requirement(db(), m, means, form.get("activity_id", type=bounded_int) or None, current_user,
                                reason=reason, scope=form.get("scope"))
    elif action == "alcance":
        editing.set_requirement_scope(db(), m, form.get("requirement_id", type=bounded_int), form.get("scope"),
                                      current_user, reason=reason)
    else:
        editing.remove_requirement(db(), m, form.get("requirement_id", type=bounded_int), current_user, reason=reason)


@bp.post("/evidencias/<int:evidence_id>/versiones/<int:version>/publicar")
@allowed_if(policy.can_administer)
def publish_version(evidence_id: int, version: int):
    """An older version of public evidence becomes downloadable by anyone; the reason is audited."""
    evidence = load_visible_evidence(db(), evidence_id, current_user) or abort(404)
    try:
        with savepoint():
            operations.publish_version(db(), evidence, version, current_user, request.form.get("reason"))
        flash(_("La versión %(v)s ya es pública.", v=version), "success")
    except operations.EvidenceError as exc:
        if exc.status == 404:
            abort(404, description=exc.message)
        flash(exc.message, "error")
    return redirect(url_for("public.evidence", evidence_id=evidence_id))


@bp.post("/evidencias/<int:evidence_id>/purgar")
@allowed_if(policy.can_purge)
def purge(evidence_id: int):
    """Remove the bytes of withdrawn evidence for good; the rows, SHA-256 and audit record stay."""
    evidence = load_visible_evidence(db(), evidence_id, current_user) or abort(404)
    try:
        with savepoint():
            removable = withdrawal.purge(db(), evidence, current_user, request.form.get("reason"))
        blobs, previews = services().blobs, services().previews

        def remove_bytes() -> None:  # only once the purge is committed
            for sha in removable:
                blobs.remove(sha)
                previews.remove(sha)

        on_commit(remove_bytes)
        flash(_("Archivo purgado: sus bytes se eliminaron; el registro y su SHA-256 se conservan."), "success")
    except operations.EvidenceError as exc:
        flash(exc.message, "error")
    return redirect(url_for("public.evidence", evidence_id=evidence_id))


# ------------------------------------------------------------------------------------------- users

@bp.get("/usuarios")
@allowed_if(policy.can_administer)
def users():
    """Every account with its roles, state and API tokens; admins create accounts, set roles, reset passwords."""
    people = db().scalars(select(User).order_by(User.email)).all()
    tokens: dict[int, list] = {}
    for t in tokens_of(db()):
        tokens.setdefault(t.user_id, []).append(t)
    settings = services().mail
    mail = {"settings": settings, **(outbox_counts(db()) if settings.enabled else {})}
    return render_template("admin/users.html", users=people, tokens=tokens, role_names=ROLE_NAMES, mail=mail)


@bp.post("/usuarios")
@allowed_if(policy.can_administer)
def create_account():
    form = request.form
    try:
        with savepoint():
            user = create_user(db(), form.get("email", ""), form.get("password", ""), form.getlist("roles"),
                               name=(form.get("name") or "").strip()[:200] or None, actor_id=current_user.id)
        flash(_("Cuenta creada: %(email)s (%(roles)s).", email=user.email, roles=user.roles_label), "success")
    except AccountError as exc:
        flash(exc.message, "error")
    return redirect(url_for("admin.users"))


@bp.post("/usuarios/<int:user_id>/<any(roles, activar, desactivar, contrasena):action>")
@allowed_if(policy.can_administer)
def user_action(user_id: int, action: str):
    user = db().get(User, user_id) or abort(404, description=_("No existe esa cuenta."))
    form = request.form
    try:
        with savepoint():
            if action == "roles":
                set_roles(db(), user, form.getlist("roles"), actor_id=current_user.id)
                message = _("Roles de %(email)s: %(roles)s.", email=user.email, roles=user.roles_label)
            elif action == "contrasena":
                reset_password(db(), user, form.get("password", ""), actor_id=current_user.id)
                message = _("Contraseña de %(email)s cambiada; sus sesiones abiertas se cerraron.", email=user.email)
            else:
                set_active(db(), user, action == "activar", actor_id=current_user.id)
                message = (_("Cuenta %(email)s activada.", email=user.email) if user.active else
                           _("Cuenta %(email)s desactivada: ya no puede ingresar y sus tokens no abren la API.",
                             email=user.email))
        flash(message, "success")
    except AccountError as exc:
        flash(exc.message, "error")
    return redirect(url_for("admin.users"))
