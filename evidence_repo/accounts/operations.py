"""Account operations: creating users, their roles, passwords (Argon2id) and the sessions a password change ends."""
from __future__ import annotations

import re
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evidence_repo.accounts.models import ROLE_NAMES, User
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


def parse_roles(roles: str | Iterable[str]) -> list[str]:
    """``"committee,staff"``, ``"committee+staff"`` or a list → sorted known role names; refuses unknown or none."""
    if isinstance(roles, str):
        roles = re.split(r"[,+\s]+", roles)
    names = sorted({r.strip().lower() for r in roles if r and r.strip()})
    unknown = [r for r in names if r not in ROLE_NAMES]
    if unknown:
        raise AccountError(_l("Rol desconocido: %(role)r (use admin, staff o committee)", role=unknown[0]),
                           field="roles")
    if not names:
        raise AccountError(_l("Elija al menos un rol (admin, staff o committee)."), field="roles")
    return names


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("La contraseña debe tener al menos %(n)s caracteres", n=MIN_PASSWORD_LENGTH),
                           field="password")
    if len(password) > 1024:
        raise AccountError(_l("La contraseña es demasiado larga."), field="password")


def create_user(session: Session, email: str, password: str, roles: str | Iterable[str], name: str | None = None,
                *, actor_id: int | None = None) -> User:
    email = normalize_email(email)
    if not EMAIL_RE.match(email):
        raise AccountError(_l("Correo electrónico inválido: %(email)r", email=email), field="email")
    names = parse_roles(roles)
    _check_password(password)
    if session.scalar(select(User).where(func.lower(User.email) == email)):
        raise AccountError(_l("Ya existe una cuenta con el correo %(email)s", email=email), field="email")
    user = User(email=email, name=name, password_hash=_hasher.hash(password))
    user.set_roles(names)
    session.add(user)
    session.flush()
    record(session, actor_id, "user.create", "user", user.id, after={"email": email, "roles": names})
    return user


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def set_roles(session: Session, user: User, roles: str | Iterable[str], *, actor_id: int | None = None) -> bool:
    """Give ``user`` exactly ``roles``; False when nothing changed. The last active admin keeps ``admin``."""
    names = parse_roles(roles)
    before = sorted(user.roles)
    if before == names:
        return False
    if "admin" in before and "admin" not in names and user.active:
        _keep_an_admin(session, user)
    user.set_roles(names)
    session.flush()
    record(session, actor_id, "user.roles", "user", user.id, before={"roles": before}, after={"roles": names})
    return True


def set_active(session: Session, user: User, active: bool, *, actor_id: int | None = None) -> bool:
    """Deactivate (or reactivate) an account: a deactivated account cannot sign in and its tokens answer 401."""
    if user.active == active:
        return False
    if not active and "admin" in user.roles:
        _keep_an_admin(session, user)
    user.active = active
    if not active:
        user.session_version += 1  # its open sessions end too
    record(session, actor_id, "user.activate" if active else "user.deactivate", "user", user.id,
           before={"active": not active}, after={"active": active})
    return True


def _keep_an_admin(session: Session, user: User) -> None:
    from evidence_repo.accounts.models import UserRole

    others = session.scalar(select(func.count()).select_from(UserRole).join(User)
                            .where(UserRole.role == "admin", User.active.is_(True), User.id != user.id))
    if not others:
        raise AccountError(_l("Debe quedar al menos una cuenta de administración activa."), field="roles")


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """The user's own change: needs the current password; ends every other session of the user."""
    try:
        _hasher.verify(user.password_hash, current or "")
    except (VerificationError, InvalidHashError):
        raise AccountError(_l("La contraseña actual no es correcta."), field="current_password") from None
    _set_password(session, user, new, actor_id=user.id, action="user.password_change")


def reset_password(session: Session, user: User, new: str, *, actor_id: int | None = None) -> None:
    """An admin (or the CLI) sets a new password; every session and remember-me cookie of the user ends."""
    _set_password(session, user, new, actor_id=actor_id, action="user.password_reset")


def _set_password(session: Session, user: User, new: str, *, actor_id: int | None, action: str) -> None:
    _check_password(new)
    user.password_hash = _hasher.hash(new)
    user.session_version += 1
    record(session, actor_id, action, "user", user.id, after={"session_version": user.session_version})


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the user when the password matches; spend the same time when the account does not exist."""
    user = find_user(session, email)
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
