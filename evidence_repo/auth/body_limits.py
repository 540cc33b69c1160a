"""How large a body each request may send, decided from its headers before a byte of the body is read.

Only the upload views (marked with :func:`accepts_uploads`) take files, and only from someone who may upload:
the session's user or the API token's. Everyone else is answered (401, sign-in, 403, 413) from the headers
alone; every other route takes at most ``MAX_CONTENT_LENGTH`` (small: forms and JSON).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, abort, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from evidence_repo import policy
from evidence_repo.extensions import login_manager

F = Callable[..., Any]


def accepts_uploads(view: F) -> F:
    """Mark a view as one that receives evidence files (large bodies, for uploaders only)."""
    view.accepts_uploads = True  # type: ignore[attr-defined]
    return view


def _token_user():
    """(header given?, user) for ``Authorization: Bearer TOKEN``."""
    from evidence_repo.accounts.tokens import user_for_token
    from evidence_repo.db import db

    header = request.headers.get("Authorization", "")
    if not header:
        return False, None
    scheme, _sep, token = header.partition(" ")
    return True, (user_for_token(db(), token.strip()) if scheme.lower() == "bearer" else None)


def _refuse_upload() -> Any:
    """Why this request may not send a file, or None when it may."""
    if current_user.is_authenticated:
        return None if policy.can_upload(current_user) else abort(403)
    given, user = _token_user()
    if user is not None and policy.can_upload(user):
        return None
    if request.path.startswith("/api/"):
        message = ("Token inválido o revocado. Use «Authorization: Bearer TOKEN»." if given
                   else "Se requiere un token: «Authorization: Bearer TOKEN».")
        status = 403 if user is not None else 401
        if user is not None:
            message = "Su cuenta no puede subir evidencias."
        return jsonify(error={"code": status, "message": message}), status
    return login_manager.unauthorized()


def refusal() -> Any:
    """The answer to this request from its headers alone, or None when its body may be read (and then the
    request's ``max_content_length`` is set to what it may send). May raise an HTTP error (403, 413)."""
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method == "POST" and getattr(view, "accepts_uploads", False):
        refused = _refuse_upload()
        if refused is not None:
            return refused
        request.max_content_length = current_app.config["MAX_UPLOAD_BODY"]
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        if limit < current_app.config["MAX_UPLOAD_BODY"]:
            abort(413, description=_("La solicitud es demasiado grande: el máximo es %(kb)s KB.", kb=limit // 1024))
        abort(413)
    return None


def init_app(app: Flask) -> None:
    """Registered before CSRF protection, which reads the form (and so the whole body)."""
    app.before_request(refusal)
