"""Mail settings from the environment. No ``EVIDENCE_REPO_SMTP_HOST`` means no mail: nothing is queued or sent,
and the admin's mail page says so."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class MailSettings:
    host: str | None = None
    port: int = 587
    username: str | None = None
    password: str | None = None
    security: str = "starttls"  # starttls | ssl | none
    sender: str = "evidencias@localhost"
    timeout: float = 20.0

    @property
    def enabled(self) -> bool:
        return bool(self.host)

    @classmethod
    def from_config(cls, config: Any) -> MailSettings:
        return config.get("MAIL") or cls()


def from_environment(env: dict[str, str] | None = None) -> MailSettings:
    env = dict(os.environ if env is None else env)
    security = env.get("EVIDENCE_REPO_SMTP_SECURITY", "starttls").strip().lower()
    if security not in SECURITY:
        raise ValueError(f"EVIDENCE_REPO_SMTP_SECURITY must be one of {', '.join(SECURITY)}, not {security!r}")
    default_port = {"starttls": 587, "ssl": 465, "none": 25}[security]
    return MailSettings(
        host=env.get("EVIDENCE_REPO_SMTP_HOST") or None,
        port=int(env.get("EVIDENCE_REPO_SMTP_PORT") or default_port),
        username=env.get("EVIDENCE_REPO_SMTP_USER") or None,
        password=env.get("EVIDENCE_REPO_SMTP_PASSWORD") or None,
        security=security,
        sender=env.get("EVIDENCE_REPO_MAIL_FROM") or "evidencias@localhost",
    )
