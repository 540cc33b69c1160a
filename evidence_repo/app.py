"""Application factory: configuration from the environment, services, blueprints, commands, error pages."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import RequestRedirect

from evidence_repo import db, policy, services
from evidence_repo.auth import body_limits
from evidence_repo.config import load_config
from evidence_repo.evidence.privacy import describe as describe_personal_data
from evidence_repo.extensions import babel, csrf, limiter, login_manager, select_locale
from evidence_repo.inputs import refuse_nul_characters
from evidence_repo.urls import BoundedIntConverter, bind_links_without_host, refuse_reserved_arguments


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.url_map.converters["int"] = BoundedIntConverter  # before any route: ids beyond the columns are a 404
    app.before_request(refuse_reserved_arguments)
    app.config.from_mapping(load_config(config))
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    services.init_app(app)
    db.init_app(app)
    body_limits.init_app(app)  # before CSRF, which reads the body
    app.before_request(refuse_nul_characters)  # after the body limits: it reads the form
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    if app.config.get("PROXIES"):  # the client's address and scheme as the proxies in front report them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXIES"], x_proto=app.config["PROXIES"])  # type: ignore[method-assign]
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))

    from evidence_repo.accounts.loader import load_user  # noqa: F401  (registers the user loader)
    from evidence_repo.admin.routes import bp as admin_bp
    from evidence_repo.api.routes import bp as api_bp
    from evidence_repo.auth.routes import bp as auth_bp
    from evidence_repo.committee.agreement_routes import bp as agreements_bp
    from evidence_repo.committee.routes import bp as committee_bp
    from evidence_repo.participation.routes import bp as participation_bp
    from evidence_repo.public.changes import bp as changes_bp
    from evidence_repo.public.routes import bp as public_bp
    from evidence_repo.staff.routes import bp as staff_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(changes_bp)
    app.register_blueprint(participation_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(committee_bp)
    app.register_blueprint(agreements_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)

    from evidence_repo.templating import init_templating

    init_templating(app)
    app.jinja_env.globals["policy"] = policy
    app.jinja_env.globals["describe_personal_data"] = describe_personal_data
    _register_error_handlers(app)
    _register_commands(app)

    @app.url_value_preprocessor
    def _ids_fit_the_database(endpoint: str | None, values: dict[str, Any] | None) -> None:
        """Numbers in a URL beyond a database integer name nothing: 404, not a driver overflow (500)."""
        if values and any(isinstance(v, int) and not 0 <= v <= db.MAX_INTEGER for v in values.values()):
            abort(404)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config["SECURE_COOKIES"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'self'",
        )
        return response

    return app


def _register_commands(app: Flask) -> None:
    """Each area brings its own commands."""
    from evidence_repo import bootstrap, transfer
    from evidence_repo.accounts import cli as accounts_cli
    from evidence_repo.audit import cli as audit_cli
    from evidence_repo.committee import cli as committee_cli
    from evidence_repo.compliance import cli as compliance_cli
    from evidence_repo.evidence import cli as evidence_cli
    from evidence_repo.mail import cli as mail_cli
    from evidence_repo.plan import cli as plan_cli

    for area in (bootstrap, evidence_cli, compliance_cli, accounts_cli, plan_cli, audit_cli, mail_cli,
                 committee_cli, transfer):
        for command in area.COMMANDS:
            app.cli.add_command(command)


def _exists_for_any_method(methods) -> bool:
    """Whether the request's path names a resource under one of ``methods``. Werkzeug answers 405 when a path
    fails a converter (an id beyond the database's range) under one method but has rules under others."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in methods:
        try:
            adapter.match(request.path, method=method)
        except (NotFound, MethodNotAllowed):
            continue
        except RequestRedirect:  # the path exists (with or without its trailing slash)
            pass
        return True
    return False


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _register_error_handlers(app: Flask) -> None:
    """Every error answers in the reader's language (JSON under /api/) and undoes the request's changes."""
    messages = {
        400: lambda: _("La solicitud no es válida."),
        403: lambda: _("No tiene permiso para ver esta página."),
        404: lambda: _("No encontramos la página que busca."),
        405: lambda: _("Método no permitido."),
        413: lambda: _("El archivo es demasiado grande: el máximo es %(mb)s MB.", mb=app.config["MAX_UPLOAD_MB"]),
        429: lambda: _("Demasiadas solicitudes desde su dirección. Espere un minuto e intente de nuevo; con una "
                       "cuenta o un token no hay este límite."),
        500: lambda: _("Ocurrió un error inesperado. Ya quedó registrado; intente de nuevo más tarde."),
    }

    def render_error(code: int, message: str) -> tuple[Any, int]:
        db.rollback_request()
        bind_links_without_host()
        if _wants_json():
            return jsonify(error={"code": code, "message": message}), code
        return render_template("error.html", code=code, message=message), code

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError) -> tuple[Any, int]:
        return render_error(400, _("El formulario caducó o no es válido. Recargue la página e intente de nuevo."))

    @app.errorhandler(429)
    def _too_many_requests(exc: HTTPException) -> tuple[Any, int]:
        return render_error(429, messages[429]())

    @app.errorhandler(SecurityError)
    def _untrusted_host(exc: SecurityError) -> tuple[Any, int]:
        return render_error(400, _("Esta dirección no corresponde a este sitio."))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if isinstance(exc, MethodNotAllowed) and not _exists_for_any_method(exc.valid_methods or ()):
            exc = NotFound()  # e.g. PATCH /api/v1/evidence/<id beyond MAX_ID>: no such resource, whatever the method
        code = exc.code or 500
        custom = exc.description != type(exc).description
        message = exc.description if custom else messages.get(code, lambda: exc.description)()
        body, status = render_error(code, str(message))
        allow = [(k, v) for k, v in exc.get_headers() if k.lower() == "allow"]  # 405 names the methods (RFC 9110)
        return (body, status, allow) if allow else (body, status)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Any, int]:
        app.logger.exception("Unhandled error on %s", request.path)
        return render_error(500, messages[500]())
