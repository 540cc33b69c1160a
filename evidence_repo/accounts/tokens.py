"""Personal API tokens for scripts: shown once, stored as SHA-256, revocable."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidence_repo.accounts.models import User
from evidence_repo.audit import record
from evidence_repo.db import utcnow
from evidence_repo.evidence.models import ApiToken

PREFIX = "er_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: str | None = None) -> tuple[ApiToken, str]:
    plaintext = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, token_hash=_digest(plaintext), prefix=plaintext[:10], name=name)
    session.add(token)
    session.flush()
    record(session, user.id, "token.create", "api_token", token.id, after={"prefix": token.prefix, "name": name})
    return token, plaintext


def user_for_token(session: Session, plaintext: str) -> User | None:
    if not plaintext.startswith(PREFIX) or len(plaintext) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plaintext)))
    if token is None or token.revoked_at is not None:
        return None
    user = session.get(User, token.user_id)  # None when the account was deleted
    if user is None or not user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        token.last_used_at = now  # saved by the request's commit; at most once a minute, so reads stay reads
    return user


LAST_USED_PRECISION = dt.timedelta(minutes=1)


def revoke_token(session: Session, token_id: int, *, actor_id: int | None = None) -> ApiToken | None:
    token = session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
        record(session, actor_id if actor_id is not None else token.user_id, "token.revoke", "api_token", token.id,
               after={"owner": token.user_id})
    return token


def tokens_of(session: Session, owner_id: int | None = None) -> list[ApiToken]:
    """Tokens, newest first: one owner's, or everyone's (for admins) when ``owner_id`` is None."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if owner_id is not None:
        query = query.where(ApiToken.user_id == owner_id)
    return list(session.scalars(query))
