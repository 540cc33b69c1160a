"""Configuration from the environment; every file the app keeps lives under one data folder."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any


def data_dir(overrides: dict[str, Any] | None = None) -> Path:
    raw = (overrides or {}).get("DATA_DIR") or os.environ.get("EVIDENCE_REPO_DATA") or "instance"
    return Path(raw).expanduser().resolve()


def _secret_key(folder: Path) -> str:
    """Generated once and kept in the data folder, so sessions survive restarts without any set-up."""
    path = folder / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    overrides = dict(overrides or {})
    folder = data_dir(overrides)
    folder.mkdir(parents=True, exist_ok=True)
    max_upload_mb = int(os.environ.get("EVIDENCE_REPO_MAX_UPLOAD_MB", "100"))
    # Behind HTTPS: cookies only over HTTPS, and HSTS (app.py) tells browsers to never use plain HTTP.
    secure = os.environ.get("EVIDENCE_REPO_SECURE_COOKIES", "") == "1"
    config: dict[str, Any] = {
        "MAX_UPLOAD_MB": max_upload_mb,
        "SOON_DAYS": int(os.environ.get("EVIDENCE_REPO_SOON_DAYS", "15")),
        "COMPLIANCE_CACHE_ROWS": int(os.environ.get("EVIDENCE_REPO_COMPLIANCE_CACHE_ROWS", "500000")),
        "EXTRACT_TIMEOUT": float(os.environ.get("EVIDENCE_REPO_EXTRACT_TIMEOUT", "180")),
        "EXTRACT_MEMORY_MB": int(os.environ.get("EVIDENCE_REPO_EXTRACT_MEMORY_MB", "1024")),
        "EXTRACT_WORKERS": int(os.environ.get("EVIDENCE_REPO_EXTRACT_WORKERS", "2")),
        "DATA_DIR": folder,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'evidence.db'}",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        "BABEL_DEFAULT_LOCALE": "es_MX",
        "LANGUAGES": {"es_MX": "Español", "en": "English"},
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SECURE_COOKIES": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Login throttling (accounts/throttle.py): failures per account / per address within the window lock
        # that account / address out for the lockout.
        "LOGIN_MAX_FAILURES": int(os.environ.get("EVIDENCE_REPO_LOGIN_MAX_FAILURES", "5")),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": int(os.environ.get("EVIDENCE_REPO_LOGIN_MAX_FAILURES_PER_ADDRESS", "20")),
        "LOGIN_WINDOW_SECONDS": float(os.environ.get("EVIDENCE_REPO_LOGIN_WINDOW_SECONDS", "900")),
        "LOGIN_LOCKOUT_SECONDS": float(os.environ.get("EVIDENCE_REPO_LOGIN_LOCKOUT_SECONDS", "900")),
    }
    config.update(overrides)
    config["DATA_DIR"] = folder
    config["SESSION_COOKIE_SECURE"] = config["REMEMBER_COOKIE_SECURE"] = bool(config["SECURE_COOKIES"])
    config["MAX_CONTENT_LENGTH"] = (config["MAX_UPLOAD_MB"] + 1) * 1024 * 1024
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _secret_key(folder)
    return config
