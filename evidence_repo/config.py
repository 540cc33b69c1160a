"""Configuration from the environment; every file the app keeps lives under one data folder."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from evidence_repo.mail import settings as mail_settings


def data_dir(overrides: dict[str, Any] | None = None) -> Path:
    raw = (overrides or {}).get("DATA_DIR") or os.environ.get("EVIDENCE_REPO_DATA") or "instance"
    return Path(raw).expanduser().resolve()


def _secret_key(folder: Path) -> str:
    """Generated once and kept in the data folder, so sessions survive restarts without any set-up.

    Web processes that share the data folder share the key (a session cookie or CSRF token made by one is valid
    in all): it is written to a temporary file and linked into place, so processes starting together all end up
    with the first one's key. Processes on different machines without a shared folder need ``SECRET_KEY``.
    """
    path = folder / "secret_key"
    if not path.exists():
        tmp = folder / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # atomic and never replaces a key another process already wrote
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def _hosts(raw: str | None) -> list[str] | None:
    """EVIDENCE_REPO_TRUSTED_HOSTS: comma-separated host names (a leading dot allows subdomains)."""
    hosts = [h.strip() for h in (raw or "").split(",") if h.strip()]
    return hosts or None


def _base_url(raw: str | None) -> str | None:
    """EVIDENCE_REPO_BASE_URL: the site's public address; absolute links never come from a Host header."""
    if not raw:
        return None
    parsed = urlsplit(raw.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query or parsed.fragment:
        raise ValueError(f"EVIDENCE_REPO_BASE_URL must be an http(s) address such as https://evidencias.example.mx/, "
                         f"not {raw!r}")
    return raw.strip().rstrip("/") + "/"


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    overrides = dict(overrides or {})
    folder = data_dir(overrides)
    folder.mkdir(parents=True, exist_ok=True)
    max_upload_mb = int(os.environ.get("EVIDENCE_REPO_MAX_UPLOAD_MB", "100"))
    # Behind HTTPS: cookies only over HTTPS, and HSTS (app.py) tells browsers to never use plain HTTP.
    secure = os.environ.get("EVIDENCE_REPO_SECURE_COOKIES", "") == "1"
    config: dict[str, Any] = {
        "MAX_UPLOAD_MB": max_upload_mb,
        "MAX_FORM_KB": int(os.environ.get("EVIDENCE_REPO_MAX_FORM_KB", "1024")),
        "REFUSED_DAYS": float(os.environ.get("EVIDENCE_REPO_REFUSED_DAYS", "7")),
        # Anonymous requests per client address (evidence_repo/public/limits.py); "" turns one limit off.
        "REPORT_RATE_LIMIT": os.environ.get("EVIDENCE_REPO_REPORT_LIMIT", "10 per minute"),
        "SEARCH_RATE_LIMIT": os.environ.get("EVIDENCE_REPO_SEARCH_LIMIT", "60 per minute"),
        "OBSERVATION_RATE_LIMIT": os.environ.get("EVIDENCE_REPO_OBSERVATION_LIMIT", "5 per minute; 30 per day"),
        "RATELIMIT_STORAGE_URI": os.environ.get("EVIDENCE_REPO_RATELIMIT_STORAGE", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "PROXIES": int(os.environ.get("EVIDENCE_REPO_PROXIES", "0")),  # reverse proxies in front (X-Forwarded-For)
        "SOON_DAYS": int(os.environ.get("EVIDENCE_REPO_SOON_DAYS", "15")),
        "COMPLIANCE_CACHE_ROWS": int(os.environ.get("EVIDENCE_REPO_COMPLIANCE_CACHE_ROWS", "500000")),
        "EXTRACT_TIMEOUT": float(os.environ.get("EVIDENCE_REPO_EXTRACT_TIMEOUT", "180")),
        "EXTRACT_MEMORY_MB": int(os.environ.get("EVIDENCE_REPO_EXTRACT_MEMORY_MB", "1024")),
        "EXTRACT_WORKERS": int(os.environ.get("EVIDENCE_REPO_EXTRACT_WORKERS", "2")),
        # How long a worker's claim on index tasks lasts without renewal (a killed worker's tasks wait this long).
        "INDEX_LEASE_SECONDS": float(os.environ.get("EVIDENCE_REPO_INDEX_LEASE_SECONDS", "300")),
        "DATA_DIR": folder,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'evidence.db'}",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        "SEARCH_BACKEND": os.environ.get("EVIDENCE_REPO_SEARCH") or None,  # whoosh | postgres (services.py)
        "BABEL_DEFAULT_LOCALE": "es_MX",
        "LANGUAGES": {"es_MX": "Español", "en": "English"},
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SECURE_COOKIES": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Absolute links (feed, API) start with BASE_URL when set; requests naming another host than
        # TRUSTED_HOSTS are refused (400) when that is set. See README, "Running it".
        "BASE_URL": os.environ.get("EVIDENCE_REPO_BASE_URL") or None,
        "TRUSTED_HOSTS": _hosts(os.environ.get("EVIDENCE_REPO_TRUSTED_HOSTS")),
        # Login throttling (accounts/throttle.py): failures per account / per address within the window lock
        # that account / address out for the lockout.
        "LOGIN_MAX_FAILURES": int(os.environ.get("EVIDENCE_REPO_LOGIN_MAX_FAILURES", "5")),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": int(os.environ.get("EVIDENCE_REPO_LOGIN_MAX_FAILURES_PER_ADDRESS", "20")),
        "LOGIN_WINDOW_SECONDS": float(os.environ.get("EVIDENCE_REPO_LOGIN_WINDOW_SECONDS", "900")),
        "LOGIN_LOCKOUT_SECONDS": float(os.environ.get("EVIDENCE_REPO_LOGIN_LOCKOUT_SECONDS", "900")),
    }
    # E-mail notifications (evidence_repo/mail): none unless EVIDENCE_REPO_SMTP_HOST is set.
    config["MAIL"] = mail_settings.from_environment()
    config.update(overrides)
    config["DATA_DIR"] = folder
    config["BASE_URL"] = _base_url(config["BASE_URL"])
    config["SESSION_COOKIE_SECURE"] = config["REMEMBER_COOKIE_SECURE"] = bool(config["SECURE_COOKIES"])
    # Evidence files go only to the upload views, from uploaders (evidence_repo/auth/body_limits.py); every
    # other request body (forms, JSON) is small.
    config["MAX_UPLOAD_BODY"] = (config["MAX_UPLOAD_MB"] + 1) * 1024 * 1024
    config["MAX_CONTENT_LENGTH"] = config["MAX_FORM_KB"] * 1024
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _secret_key(folder)
    return config
