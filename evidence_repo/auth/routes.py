"""Sign in and out. Failures never say whether the account exists."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from evidence_repo.accounts.operations import authenticate, record_login
from evidence_repo.audit import record
from evidence_repo.auth.forms import LoginForm
from evidence_repo.db import db

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Only same-site paths, so a crafted link cannot bounce a fresh login to another site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("public.home")


@bp.route("/ingresar", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    status, error = 200, None
    if form.validate_on_submit():
        user = authenticate(db(), form.email.data, form.password.data)
        record_login(db(), form.email.data, user)
        if user is not None:
            login_user(user, remember=form.remember.data)
            flash(_("Sesión iniciada. Bienvenida/o, %(email)s.", email=user.email), "success")
            return redirect(safe_next(request.args.get("next")))
        error, status = _("Correo o contraseña incorrectos."), 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/salir")
@login_required
def logout():
    record(db(), current_user.id, "auth.logout", "user", current_user.id)
    logout_user()
    flash(_("Sesión cerrada."), "success")
    return redirect(url_for("public.home"))
