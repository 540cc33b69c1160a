"""A second connection for a search's facet pass, on the search's own snapshot.

A search's total and facets visit every visible match (a word in most of
100,000 documents: 60,000 rows, most of the search's time), while its page
of hits is ranked from a few hundred candidates. The two are independent,
so they run at once on two connections (two server processes, two cores)
instead of one after the other. The side connection imports the search
transaction's snapshot (``pg_export_snapshot``, as ``pg_dump --jobs`` does),
so both see the same committed documents: the total always counts the hits
shown. When no side connection or thread is free at once (a busy server),
the pass runs inline: parallelism here only ever saves time, never waits.

Nor may it deadlock: the search holds its tables (shared), and a rebuild's
swap queued behind it (exclusive) would queue the side pass's shared lock
behind itself, while the search waits for the side pass in Python, where
PostgreSQL cannot see the cycle. So the side pass gives up a lock it cannot
have within ``LOCK_WAIT`` and the search counts inline.

A process forked after searching gets a fresh side reader: the parent's
threads do not exist in the child (a pass handed to them would never run)
and its connections are the parent's sockets.
"""

from __future__ import annotations

import os
import re
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

T = TypeVar("T")
# Planner settings of every search transaction (see PostgresBackend._reading), and of listings.
LOOKUPS = "SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; SET LOCAL jit = off"
LISTING = "SET LOCAL enable_seqscan = on; SET LOCAL enable_indexscan = on"
BUSY = object()  # what a side job returns when it could not run: the caller counts inline
LOCK_WAIT = "200ms"
_SNAPSHOT = re.compile(r"^[0-9A-F-]+$")


class SideReader:
    """Up to ``workers`` side passes at a time, on connections of their own
    (a pool apart from the caller's, so a side pass never waits for a
    connection a search holds)."""

    def __init__(self, engine: Engine, workers: int = 2):
        self._url = engine.url
        self._workers = workers
        self._forget()
        _READERS.add(self)

    def _forget(self) -> None:
        """Start afresh (also in a forked child: the parent's pool and threads
        stay the parent's; psycopg does not close a parent's connection)."""
        self._engine: Engine | None = None
        self._threads: ThreadPoolExecutor | None = None
        self._slots = threading.BoundedSemaphore(self._workers)
        self._lock = threading.Lock()

    def _start(self) -> tuple[Engine, ThreadPoolExecutor]:
        with self._lock:  # created on the first search: a worker process that never searches opens nothing
            if self._engine is None or self._threads is None:
                self._engine = create_engine(
                    self._url, pool_size=self._workers, max_overflow=0, pool_timeout=0.001, pool_pre_ping=True
                )
                self._threads = ThreadPoolExecutor(self._workers, thread_name_prefix="search-side")
            return self._engine, self._threads

    def submit(self, cur: psycopg.Cursor, job: Callable[[psycopg.Cursor], T]) -> Future | None:
        """Run ``job`` on a side connection that sees ``cur``'s snapshot
        (``cur``'s transaction must be REPEATABLE READ and stay open until
        the result is read); ``None`` when every side slot is busy. The
        future's result is :data:`BUSY` when no connection was free."""
        if not self._slots.acquire(blocking=False):
            return None
        try:
            engine, threads = self._start()
            cur.execute("SELECT pg_export_snapshot()")
            row = cur.fetchone()
            snapshot = str(row[0]) if row else ""
            if not _SNAPSHOT.match(snapshot):
                raise ValueError(f"unexpected snapshot id {snapshot!r}")
            return threads.submit(self._run, engine, snapshot, job)
        except BaseException:
            self._slots.release()
            raise

    def _run(self, engine: Engine, snapshot: str, job: Callable[[psycopg.Cursor], T]) -> object:
        try:
            try:
                raw = engine.raw_connection()
            except (PoolTimeout, DBAPIError):  # none free, or the server refuses one more
                return BUSY
            try:
                conn = raw.driver_connection
                assert isinstance(conn, psycopg.Connection)
                with conn.cursor() as cur:
                    cur.execute(
                        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; "
                        f"SET TRANSACTION SNAPSHOT '{snapshot}'; SET LOCAL lock_timeout = '{LOCK_WAIT}'; {LOOKUPS}"
                    )
                    try:
                        return job(cur)
                    except psycopg.errors.LockNotAvailable:
                        return BUSY
            finally:
                raw.close()  # back to the pool, rolled back
        finally:
            self._slots.release()

    def close(self) -> None:
        with self._lock:
            if self._threads is not None:
                self._threads.shutdown(wait=True)
            if self._engine is not None:
                self._engine.dispose()
            self._engine, self._threads = None, None


_READERS: weakref.WeakSet[SideReader] = weakref.WeakSet()


def _forget_in_child() -> None:
    for reader in list(_READERS):
        reader._forget()


os.register_at_fork(after_in_child=_forget_in_child)
