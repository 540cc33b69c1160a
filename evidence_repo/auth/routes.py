"""Sign in and out, change one's password, see and revoke one's API tokens. Failures never say whether the
account exists; repeated failures lock the account (and the address) out for a while."""
from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from evidence_repo import policy
from evidence_repo.accounts.operations import AccountError, authenticate, change_password, normalize_email, record_login
from evidence_repo.accounts.throttle import LoginThrottle
from evidence_repo.accounts.tokens import revoke_token, tokens_of
from evidence_repo.audit import record
from evidence_repo.auth.forms import LoginForm, PasswordForm
from evidence_repo.db import db
from evidence_repo.evidence.models import ApiToken

bp = Blueprint("auth", __name__)


def safe_next(target: str | None, default: str = "public.home") -> str:
    """Only same-site paths, so a crafted link cannot bounce a fresh login to another site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for(default)


def throttle() -> LoginThrottle:
    app = current_app
    found = app.extensions.get("login_throttle")
    if found is None:
        found = app.extensions["login_throttle"] = LoginThrottle(
            per_account=app.config["LOGIN_MAX_FAILURES"], per_address=app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
            window=app.config["LOGIN_WINDOW_SECONDS"], lockout=app.config["LOGIN_LOCKOUT_SECONDS"],
            storage=app.config["RATELIMIT_STORAGE_URI"])
    return found


def _locked_out(wait: float):
    minutes = max(1, math.ceil(wait / 60))
    message = _("Demasiados intentos fallidos. Por seguridad, el acceso quedó bloqueado temporalmente: "
                "intente de nuevo en %(minutes)s minutos.", minutes=minutes)
    response = current_app.make_response((render_template("auth/login.html", form=LoginForm(), error=message), 429))
    response.headers["Retry-After"] = str(math.ceil(wait))
    return response


@bp.route("/ingresar", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    status, error = 200, None
    if form.validate_on_submit():
        account, address = normalize_email(form.email.data), request.remote_addr or "?"
        wait = throttle().retry_after(account, address)
        if wait > 0:
            return _locked_out(wait)
        user = authenticate(db(), form.email.data, form.password.data)
        record_login(db(), form.email.data, user)
        if user is not None:
            throttle().succeeded(account)
            login_user(user, remember=form.remember.data)
            flash(_("Sesión iniciada. Bienvenida/o, %(email)s.", email=user.email), "success")
            return redirect(safe_next(request.args.get("next")))
        throttle().failed(account, address)
        wait = throttle().retry_after(account, address)
        if wait > 0:
            return _locked_out(wait)
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


@bp.route("/cuenta", methods=["GET", "POST"])
@login_required
def account():
    """One's roles, password and API tokens. A password change ends every other session of the account."""
    form, status = PasswordForm(), 200
    if form.validate_on_submit():
        try:
            change_password(db(), current_user, form.current_password.data, form.new_password.data)
        except AccountError as exc:
            getattr(form, exc.field or "new_password").errors.append(exc.message)
            status = 400
        else:
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            login_user(current_user._get_current_object(), remember=remembered)  # this session goes on
            flash(_("Contraseña cambiada. Se cerraron sus sesiones en otros navegadores y dispositivos."), "success")
            return redirect(url_for("auth.account"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/account.html", form=form, tokens=tokens_of(db(), current_user.id)), status


@bp.post("/cuenta/tokens/<int:token_id>/revocar")
@login_required
def revoke(token_id: int):
    """Owners revoke their tokens, admins anyone's; someone else's token is "not found", not "forbidden"."""
    token = db().get(ApiToken, token_id)
    if token is None or not policy.can_manage_token(current_user, token.user_id):
        abort(404)
    if token.revoked_at is None:
        revoke_token(db(), token.id, actor_id=current_user.id)
        flash(_("Token %(prefix)s… revocado: ya no abre la API.", prefix=token.prefix), "success")
    return redirect(safe_next(request.form.get("next"), "auth.account"))
