"""Audit trail: every change to the plan, accounts or evidence leaves a row saying who, when, before, after.

The rows form a hash chain (:mod:`evidence_repo.audit.chain`): each holds the SHA-256 of the previous one, so
deleting or editing a row in the database is noticed by ``evidence-repo audit verify``.
"""
from __future__ import annotations

import getpass
import os
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from flask import has_request_context
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from evidence_repo.audit.chain import GENESIS, canonical_at, record_hash
from evidence_repo.db import Base, UTCDateTime, begin_write, utcnow

# Who acts when no signed-in user does: the CLI sets it from ``--as EMAIL`` or the operating-system user.
operator: ContextVar[str | None] = ContextVar("audit_operator", default=None)
# Any fixed 64-bit number: the PostgreSQL advisory lock that serialises appends to the chain.
CHAIN_LOCK = 0x45564944454E4345


class AuditRecord(Base):
    __tablename__ = "audit_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(80))
    entity: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[int | None]
    before: Mapped[dict | None]
    after: Mapped[dict | None]
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    def fields(self) -> dict[str, Any]:
        """What the hash covers."""
        return {"id": self.id, "at": canonical_at(self.at), "user_id": self.user_id, "actor": self.actor,
                "action": self.action, "entity": self.entity, "entity_id": self.entity_id,
                "before": self.before, "after": self.after}


def lock_chain(session: Session) -> None:
    """Make this transaction the only appender until it ends: SQLite's write lock (BEGIN IMMEDIATE, or the one a
    previous write took), PostgreSQL's transaction-level advisory lock. Taken before reading the head."""
    begin_write(session)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK})")


def head(session: Session) -> tuple[int | None, str]:
    """(id, hash) of the last record; (None, GENESIS) for an empty log."""
    row = session.execute(select(AuditRecord.id, AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1)).first()
    return (row[0], row[1] or GENESIS) if row else (None, GENESIS)


def default_actor() -> str | None:
    """The CLI's operator (``--as``), else ``web`` inside a request, else the operating-system user."""
    label = operator.get() or os.environ.get("EVIDENCE_REPO_OPERATOR") or None
    if label is None and has_request_context():
        label = "web"
    if label is None:
        try:
            label = "sistema:" + getpass.getuser()
        except (KeyError, OSError):
            label = "sistema"
    return label


def record(
    session: Session,
    user_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor: str | None = None,
) -> AuditRecord:
    """Append one record to the chain, in the caller's transaction (the caller commits).

    ``user_id``: the signed-in user who made the change (or whom a command acted for); ``actor``: who operated
    when that is not a signed-in web user (default: the command's ``--as`` or the operating-system user)."""
    lock_chain(session)
    session.flush()
    _, previous = head(session)
    if actor is None and not (user_id is not None and has_request_context()):
        actor = default_actor()  # a command (or an anonymous request) names its operator
    row = AuditRecord(at=utcnow(), user_id=user_id, actor=actor,
                      action=action, entity=entity, entity_id=entity_id, before=before, after=after)
    session.add(row)
    session.flush()
    row.prev_hash = previous
    row.hash = record_hash(previous, row.fields())
    session.flush()
    return row
