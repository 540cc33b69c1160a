"""Flask extensions, created once and bound in create_app."""
from flask import request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = None
babel = Babel()
# Limits per client address (behind a proxy, EVIDENCE_REPO_PROXIES makes that the client's, not the proxy's);
# storage from RATELIMIT_STORAGE_URI: memory:// per process, or a shared one (redis://, memcached://).
limiter = Limiter(key_func=get_remote_address)


def select_locale() -> str:
    """?lang= wins and is remembered in the session; otherwise Spanish (the site's language) first.

    Without a request (CLI commands, jobs) translated messages are in Spanish unless `force_locale` says otherwise.
    """
    from flask import current_app, has_request_context

    if not has_request_context():
        return "es_MX"
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
    if session.get("lang") in languages:
        return session["lang"]
    return "es_MX"
