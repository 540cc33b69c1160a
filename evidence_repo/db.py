"""The database: declarative base and types, engines and sessions, and one transaction per web request.

Domain code takes a plain ``Session`` and never commits; whoever owns the unit of work does: the web request
(committed once by :func:`init_app`'s hooks when the view succeeded, rolled back when it failed), a CLI command,
or the index worker's short transactions.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context
from sqlalchemy import JSON, DateTime, MetaData, String, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The largest value an INTEGER column holds on both databases (PostgreSQL's is 32-bit): a larger id or number
# names nothing, and must be refused before it reaches the driver (which would fail with an overflow).
MAX_INTEGER = 2**31 - 1


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {list: JSON, dict: JSON}


class UTCDateTime(TypeDecorator):
    """SQLite forgets time zones; store UTC and hand back aware datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return value.replace(tzinfo=UTC) if value is not None else None


def utcnow() -> datetime:
    return datetime.now(UTC)


# Case- and accent-insensitive lookups that behave the same on both databases: one explicit table, applied by
# PostgreSQL's translate() and by a Python function registered on every SQLite connection (SQLite has neither
# unaccent nor a Unicode-aware lower(); PostgreSQL's lower() depends on the cluster's locale).
_FOLD_FROM = "ABCDEFGHIJKLMNOPQRSTUVWXYZÁÀÂÄÃÅÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÑÇÝáàâäãåéèêëíìîïóòôöõúùûüñçý"
_FOLD_TO = "abcdefghijklmnopqrstuvwxyzaaaaaaeeeeiiiiooooouuuuncyaaaaaaeeeeiiiiooooouuuuncy"
_FOLD = str.maketrans(_FOLD_FROM, _FOLD_TO)


def fold_for_lookup(value: str) -> str:
    """What :class:`folded` makes of a column, for the other side of the comparison: "Reunión" -> "reunion"."""
    return value.translate(_FOLD)


class folded(FunctionElement):
    """``folded(column)``: the column without case or Spanish accents, in SQL (see :func:`fold_for_lookup`)."""

    type = String()
    inherit_cache = True


@compiles(folded)
def _folded_sqlite(element: folded, compiler: Any, **kw: Any) -> str:
    return f"evidence_fold({compiler.process(element.clauses, **kw)})"


@compiles(folded, "postgresql")
def _folded_postgresql(element: folded, compiler: Any, **kw: Any) -> str:
    return f"translate({compiler.process(element.clauses, **kw)}, '{_FOLD_FROM}', '{_FOLD_TO}')"


def _sqlite_fold(value: Any) -> Any:
    return value.translate(_FOLD) if isinstance(value, str) else value


def make_engine(url: str) -> Engine:
    """SQLite gets WAL, foreign keys and a busy timeout so the web threads and the worker can share it."""
    engine = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            dbapi_conn.create_function("evidence_fold", 1, _sqlite_fold, deterministic=True)

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(bind=engine, expire_on_commit=False)

    # session.info["flushed"]: this unit of work has sent changes that are not committed yet (read by caches that
    # must not store what a rollback could still undo, e.g. compliance.cache).
    @event.listens_for(factory, "after_flush")
    def _flushed(session: Session, _context: Any) -> None:
        session.info["flushed"] = True

    @event.listens_for(factory, "after_transaction_end")
    def _ended(session: Session, transaction: Any) -> None:
        if transaction.parent is None:
            session.info.pop("flushed", None)

    return factory


WRITE_LOCK = 0x65767772  # pg_advisory_xact_lock key of begin_write ("evwr")


def begin_write(session: Session) -> None:
    """Take the database's write lock now, before the first change of a unit of work that uses savepoints.

    pysqlite starts a transaction only at the first INSERT/UPDATE/DELETE, so a SAVEPOINT issued before it
    would itself open (and its RELEASE commit) the real transaction, and reads inside it would hold a WAL
    snapshot that a concurrent writer can invalidate (SQLITE_BUSY_SNAPSHOT, no retry). BEGIN IMMEDIATE waits
    for the lock with the busy timeout instead.

    PostgreSQL lets writers run side by side, so two processes could both read "the current version is 1" and
    both add version 2. Its counterpart is a transaction-scoped advisory lock: units of work that write through
    savepoints (uploads, replacements, reviews, admin edits) take turns across every process, as on SQLite,
    and what they read after it is what the previous one committed. It is released at commit or rollback.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})


@contextmanager
def savepoint(session: Session | None = None) -> Iterator[Session]:
    """A part of the unit of work that is undone alone when it raises (e.g. one file of a multi-file upload)."""
    session = session if session is not None else db()
    begin_write(session)
    with session.begin_nested():
        yield session


# --- the web request's session -------------------------------------------------------------------------------

def db() -> Session:
    """This request's (or CLI command's) session: one per application context, committed by its owner."""
    if "db_session" not in g:
        from evidence_repo.services import services

        g.db_session = services(current_app).sessions()
    session: Session = g.db_session
    return session


def on_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once this request's transaction has committed (e.g. wake the index worker)."""
    g.setdefault("db_on_commit", []).append(callback)


def rollback_request() -> None:
    """Undo this request's changes (called by the error handlers: a failed request changes nothing)."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()
    if has_request_context():
        g.db_failed = True


def init_app(app: Flask) -> None:
    """One transaction per request: committed after a successful view, before the response leaves.

    Committing in ``after_request`` (not in teardown) means a failed commit becomes a 500 answer instead of a
    success the database never saw. Error handlers call :func:`rollback_request`; teardown closes the session,
    which rolls back anything left open.
    """

    @app.after_request
    def _commit(response: Response) -> Response:
        session = g.get("db_session")
        if g.get("db_failed") or response.status_code >= 500:
            return response
        if session is not None:
            session.commit()
        for callback in g.pop("db_on_commit", []):
            callback()
        return response

    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
