"""How often one address may ask for the expensive public answers (reports, searches) or send observations
without signing in.

Signed-in users and valid API tokens are not limited. The limits are configuration (`REPORT_RATE_LIMIT`,
`SEARCH_RATE_LIMIT`, e.g. "10 per minute"); searches on the site and through the API share one count.
"""
from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

from evidence_repo.extensions import limiter


def _signed_in() -> bool:
    if current_user.is_authenticated:
        return True
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    from evidence_repo.accounts.tokens import user_for_token
    from evidence_repo.db import db

    return user_for_token(db(), token.strip()) is not None


def _limit(name: str):
    return limiter.shared_limit(lambda: current_app.config[name] or "1000000 per second", scope=name,
                                exempt_when=lambda: not current_app.config[name] or _signed_in())


reports = _limit("REPORT_RATE_LIMIT")
searches = _limit("SEARCH_RATE_LIMIT")
observations = _limit("OBSERVATION_RATE_LIMIT")
