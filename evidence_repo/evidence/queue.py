"""The index queue shared by every worker: claim a batch under a lease, keep the lease alive, finish or release.

On PostgreSQL any number of ``evidence-repo worker`` processes, on any number of machines, drain one queue:
a claim locks the rows it takes with ``FOR UPDATE SKIP LOCKED`` and writes the worker's name and the time on
them, in one short transaction. Claims are serialised by a transaction-scoped advisory lock (they take
milliseconds), so two workers never hold tasks of the same evidence at once: the index would otherwise receive
an older state of a document after a newer one. A worker renews its lease while it extracts
(:class:`LeaseKeeper`); a worker that dies stops renewing, and once ``lease_seconds`` have passed its tasks are
claimed again by another. SQLite has one writer and runs one worker; the same code runs there (the lock
clauses are PostgreSQL-only).
"""
from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from evidence_repo.db import utcnow
from evidence_repo.evidence.models import IndexTask

LEASE_SECONDS = 300.0
_CLAIM_LOCK = 0x65766964  # pg_advisory_xact_lock key for claims ("evid")


def worker_name() -> str:
    """Unique per worker object: host, process and a random part (one process may run several workers)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:100]


def claim(session: Session, worker: str, limit: int, lease_seconds: float = LEASE_SECONDS, *,
          exclude_action: str | None = None, skip: Sequence[int] = ()) -> list[Any]:
    """Claim up to ``limit`` pending tasks, oldest first, and commit; returns rows with ``id`` and ``evidence_id``.

    A task can be claimed when nobody holds it or its lease has expired, and no other worker holds a live lease
    on a task of the same evidence. ``exclude_action``: a kind of task handled apart (visibility updates, applied
    before any extraction); ``skip``: tasks this worker is waiting to retry.
    """
    now = utcnow()
    expired = now - timedelta(seconds=lease_seconds)
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CLAIM_LOCK})
    held = (select(IndexTask.evidence_id)
            .where(IndexTask.done_at.is_(None), IndexTask.claimed_at >= expired, IndexTask.claimed_by != worker))
    query = (select(IndexTask.id, IndexTask.evidence_id)
             .where(IndexTask.done_at.is_(None),
                    (IndexTask.claimed_at.is_(None)) | (IndexTask.claimed_at < expired)
                    | (IndexTask.claimed_by == worker),
                    IndexTask.evidence_id.not_in(held))
             .order_by(IndexTask.id).limit(limit))
    if exclude_action is not None:
        query = query.where(IndexTask.action != exclude_action)
    if skip:
        query = query.where(IndexTask.id.not_in(list(skip)))
    if postgres:
        query = query.with_for_update(skip_locked=True, of=IndexTask)
    rows = session.execute(query).all()
    if rows:
        session.execute(update(IndexTask).where(IndexTask.id.in_([r.id for r in rows]))
                        .values(claimed_by=worker, claimed_at=now))
    session.commit()
    return list(rows)


def renew(sessions: sessionmaker[Session], worker: str, task_ids: Sequence[int]) -> None:
    """Move this worker's lease on these tasks forward (tasks another worker took over are left alone)."""
    with sessions() as session:
        session.execute(update(IndexTask).where(IndexTask.id.in_(list(task_ids)), IndexTask.claimed_by == worker,
                                                IndexTask.done_at.is_(None)).values(claimed_at=utcnow()))
        session.commit()


def finish(session: Session, worker: str, task_ids: Sequence[int]) -> None:
    """Mark this worker's tasks done (in the caller's transaction)."""
    session.execute(update(IndexTask).where(IndexTask.id.in_(list(task_ids)), IndexTask.claimed_by == worker)
                    .values(done_at=utcnow()))


def release(session: Session, worker: str, task_ids: Sequence[int]) -> None:
    """Give tasks back to the queue at once (e.g. the index update failed and they will be retried)."""
    session.execute(update(IndexTask).where(IndexTask.id.in_(list(task_ids)), IndexTask.claimed_by == worker)
                    .values(claimed_by=None, claimed_at=None))


class LeaseKeeper:
    """Renews a batch's lease every third of the lease while the worker extracts (which may take minutes)."""

    def __init__(self, sessions: sessionmaker[Session], worker: str, task_ids: Sequence[int],
                 lease_seconds: float = LEASE_SECONDS):
        self.sessions, self.worker, self.task_ids = sessions, worker, list(task_ids)
        self.interval = max(lease_seconds / 3, 0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="index-lease", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                renew(self.sessions, self.worker, self.task_ids)
            except Exception:  # noqa: BLE001  (a missed renewal only shortens the lease)
                pass

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
