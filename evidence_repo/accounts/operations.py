"""Account operations: creating users and checking passwords (Argon2id)."""
from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evidence_repo.accounts.models import Role, User
from evidence_repo.audit import record
from evidence_repo.errors import DomainError

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 10


class AccountError(DomainError):
    pass


def normalize_email(email: str) -> str:
    return email.strip().lower()


def create_user(session: Session, email: str, password: str, role: str, name: str | None = None) -> User:
    email = normalize_email(email)
    if not EMAIL_RE.match(email):
        raise AccountError(_l("Correo electrónico inválido: %(email)r", email=email))
    if role not in {r.value for r in Role}:
        raise AccountError(_l("Rol desconocido: %(role)r (use admin, staff o committee)", role=role))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("La contraseña debe tener al menos %(n)s caracteres", n=MIN_PASSWORD_LENGTH))
    if session.scalar(select(User).where(func.lower(User.email) == email)):
        raise AccountError(_l("Ya existe una cuenta con el correo %(email)s", email=email))
    user = User(email=email, name=name, password_hash=_hasher.hash(password), role=role)
    session.add(user)
    session.flush()
    record(session, None, "user.create", "user", user.id, after={"email": email, "role": role})
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the user when the password matches; spend the same time when the account does not exist."""
    user = session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None or not user.active:
        try:
            _hasher.verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def record_login(session: Session, email: str | None, user: User | None) -> None:
    """Every sign-in and every failed attempt goes to the audit log (the account, when it exists)."""
    if user is not None:
        record(session, user.id, "auth.login", "user", user.id)
        return
    email = normalize_email(email or "")[:200]
    known = session.scalar(select(User.id).where(User.email == email))
    record(session, None, "auth.login_failed", "user", known, after={"email": email})
