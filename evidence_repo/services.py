"""The process's handles on its data: database sessions, the file store, the search index and the index worker.

One typed :class:`Services` object per app (``services(app)``) instead of string keys in ``app.extensions``.
The index is opened lazily, once per process, behind a lock, and is never rebuilt here: a web request that
finds it new, reset or out of step only learns so (:meth:`Services.index_notice`); the rebuild happens at
``init``/``serve`` start or in the worker (:mod:`evidence_repo.bootstrap`).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from evidence_repo.compliance.cache import DEFAULT_ROWS, ComplianceCache
from evidence_repo.db import make_engine, make_session_factory
from evidence_repo.evidence.indexing import ExtractionLimits, IndexWorker
from evidence_repo.evidence.models import Evidence, IndexTask
from evidence_repo.evidence.previews import Previews
from evidence_repo.evidence.queue import LEASE_SECONDS
from evidence_repo.mail.sending import send_pending
from evidence_repo.mail.settings import MailSettings
from indexer import SearchBackend
from indexer.whoosh import WhooshBackend
from storage import BlobStore

log = logging.getLogger(__name__)
EXTENSION_KEY = "evidence_repo"
RECHECK_SECONDS = 2.0


SEARCH_BACKENDS = ("whoosh", "postgres")


def search_backend_name(config: dict[str, Any]) -> str:
    """``EVIDENCE_REPO_SEARCH`` (config ``SEARCH_BACKEND``): ``postgres`` by default when the database is
    PostgreSQL, ``whoosh`` otherwise. A bad value stops the start with a clear message."""
    database = str(config["DATABASE_URL"])
    name = (config.get("SEARCH_BACKEND") or ("postgres" if database.startswith("postgresql") else "whoosh")).lower()
    if name not in SEARCH_BACKENDS:
        raise ValueError(f"EVIDENCE_REPO_SEARCH={name!r}: use one of {', '.join(SEARCH_BACKENDS)}")
    if name == "postgres" and not database.startswith("postgresql"):
        raise ValueError("EVIDENCE_REPO_SEARCH=postgres needs a PostgreSQL DATABASE_URL")
    return name


def open_search_backend(name: str, index_path: Path, engine: Engine) -> SearchBackend:
    """The one place that opens the search engine chosen by :func:`search_backend_name`.

    ``postgres`` keeps its index in the database (``engine``), in its own schema ``search``, so every web and worker
    process on every machine shares it; ``whoosh`` keeps it in ``index_path`` (one machine).
    """
    if name == "postgres":
        from indexer.postgres import PostgresBackend

        return PostgresBackend(engine, schema="search", reset_if_corrupt=True)
    return WhooshBackend(index_path, reset_if_corrupt=True)


@dataclass
class Services:
    engine: Engine
    sessions: sessionmaker[Session]
    blobs: BlobStore
    index_path: Path
    limits: ExtractionLimits
    previews: Previews  # the evidence page's previews, drawn once per file content (evidence/previews.py)
    lease_seconds: float = LEASE_SECONDS
    search: str = "whoosh"
    mail: MailSettings = field(default_factory=MailSettings)
    worker: IndexWorker | None = None
    compliance: ComplianceCache = field(default_factory=ComplianceCache)  # results shared by this process's requests
    _index: SearchBackend | None = field(default=None, repr=False)
    _stale: bool = field(default=False, repr=False)
    _checked_at: float = field(default=0.0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Services:
        data: Path = config["DATA_DIR"]
        engine = make_engine(config["DATABASE_URL"])
        blobs = BlobStore(data / "files", refused_seconds=config.get("REFUSED_DAYS", 7) * 86400)
        return cls(
            engine=engine,
            sessions=make_session_factory(engine),
            blobs=blobs,
            previews=Previews(data / "previews", blobs),
            index_path=data / "index",
            limits=ExtractionLimits(timeout=config["EXTRACT_TIMEOUT"], memory_mb=config["EXTRACT_MEMORY_MB"],
                                    workers=config["EXTRACT_WORKERS"]),
            compliance=ComplianceCache(config.get("COMPLIANCE_CACHE_ROWS", DEFAULT_ROWS)),
            lease_seconds=config.get("INDEX_LEASE_SECONDS", LEASE_SECONDS),
            search=search_backend_name(config),
            mail=MailSettings.from_config(config),
        )

    # --- the search index ----------------------------------------------------------------------------------

    def index(self) -> SearchBackend:
        """The index, opened once per process; a corrupt one is reset to empty (and so marked stale)."""
        with self._lock:
            if self._index is None:
                self._index = open_search_backend(self.search, self.index_path, self.engine)
                self._stale = self._out_of_step(self._index)
                self._checked_at = time.monotonic()
                if self._stale:
                    log.warning("search index at %s is new, reset or out of step with the database",
                                self.index_path)
            return self._index

    @property
    def index_stale(self) -> bool:
        """True while the index may miss documents the database has (until the worker has rebuilt it)."""
        index = self.index()
        with self._lock:
            if self._stale and time.monotonic() - self._checked_at >= RECHECK_SECONDS:
                self._checked_at = time.monotonic()
                self._stale = self._out_of_step(index)  # another process may have rebuilt it meanwhile
            return self._stale

    def mark_index_fresh(self) -> None:
        with self._lock:
            self._stale = False

    def index_notice(self) -> str | None:
        """What a search page says while the index is being rebuilt, instead of waiting for it."""
        if self.index_stale:
            return str(_l("El índice de búsqueda se está reconstruyendo: algunos documentos aún no aparecen "
                          "en los resultados."))
        return None

    def _out_of_step(self, index: SearchBackend) -> bool:
        """A new or reset index, or a rebuild that died half-way (valid but short): counting catches all three."""
        with self.sessions() as session:
            evidence = session.scalar(select(func.count()).select_from(Evidence)) or 0
            pending = session.scalar(
                select(func.count()).select_from(IndexTask).where(IndexTask.done_at.is_(None))) or 0
        indexed = index.count()
        # Missing documents that no pending task will bring, or (with nothing pending) documents too many.
        return indexed + pending < evidence or (pending == 0 and indexed != evidence)

    # --- the index worker ----------------------------------------------------------------------------------

    def new_worker(self) -> IndexWorker:
        """A worker over this process's index (the index's single writer in this process); it also sends mail."""
        worker = IndexWorker(self.sessions, self.blobs, self.index(), self.limits, lease_seconds=self.lease_seconds)
        if self.mail.enabled:
            worker.side_jobs.append(partial(send_pending, self.sessions, self.mail))
        return worker

    def start_worker(self) -> IndexWorker:
        """Run the worker as a thread of this process; it rebuilds a stale index before anything else."""
        self.worker = self.new_worker()
        self.worker.before_start = self._rebuild_if_stale
        self.worker.start()
        return self.worker

    def _rebuild_if_stale(self) -> None:
        if self.index_stale:
            from evidence_repo.evidence.indexing import reindex

            log.warning("rebuilding the search index at %s from the database", self.index_path)
            reindex(self.sessions, self.blobs, self.index(), self.limits)
            self.mark_index_fresh()

    def notify_worker(self) -> None:
        """Wake the in-process worker (if this process runs one) so new evidence is searchable within seconds."""
        if self.worker is not None:
            self.worker.wake.set()

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None
        with self._lock:
            if self._index is not None:  # PostgreSQL: its side connections (indexer/postgres/parallel.py)
                self._index.close()
                self._index = None
        self.engine.dispose()


def init_app(app: Flask) -> Services:
    svc = Services.from_config(app.config)
    app.extensions[EXTENSION_KEY] = svc
    return svc


def services(app: Flask | None = None) -> Services:
    svc: Services = (app or current_app).extensions[EXTENSION_KEY]
    return svc
