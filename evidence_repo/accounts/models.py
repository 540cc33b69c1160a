"""People who sign in: staff upload evidence, the committee reviews it, admins manage users and the plan.

A person may hold several roles (the committee member who also files the committee's minutas holds both
``committee`` and ``staff``); what each role allows is decided in :mod:`evidence_repo.policy` alone.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evidence_repo.db import Base, UTCDateTime, utcnow


class Role(str, enum.Enum):
    admin = "admin"
    staff = "staff"
    committee = "committee"


ROLE_NAMES: tuple[str, ...] = tuple(r.value for r in Role)


class UserRole(Base):
    """One role held by one user (a user holds a set of them)."""

    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class User(UserMixin, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Moved forward by a password change or reset: every session and remember-me cookie carrying an older
    # value is refused by the user loader (the value is part of get_id(), hence of both cookies).
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                     order_by=UserRole.role)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    def set_roles(self, roles: Iterable[str]) -> None:
        wanted = set(roles)
        self.role_rows = [r for r in self.role_rows if r.role in wanted] + [
            UserRole(role=name) for name in sorted(wanted - self.roles)]

    @property
    def roles_label(self) -> str:
        return ", ".join(sorted(self.roles))

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"
