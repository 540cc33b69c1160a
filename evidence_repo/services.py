"""The app's handles on its data folder: the file store, the search index and the index worker."""
from __future__ import annotations

import logging

from flask import Flask, current_app
from sqlalchemy import func, select

from evidence_repo.evidence.indexing import ExtractionLimits, IndexWorker, reindex
from evidence_repo.evidence.models import Evidence, IndexTask
from indexer.index import SearchIndex
from storage import BlobStore

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    data = app.config["DATA_DIR"]
    app.extensions["blob_store"] = BlobStore(data / "files")
    app.extensions["index_path"] = data / "index"


def blob_store(app: Flask | None = None) -> BlobStore:
    return (app or current_app).extensions["blob_store"]


def extraction_limits(app: Flask) -> ExtractionLimits:
    return ExtractionLimits(timeout=app.config["EXTRACT_TIMEOUT"], memory_mb=app.config["EXTRACT_MEMORY_MB"],
                            workers=app.config["EXTRACT_WORKERS"])


def search_index(app: Flask | None = None) -> SearchIndex:
    """The index, opened once per process; a missing or corrupt one is rebuilt from the database."""
    app = app or current_app
    index = app.extensions.get("search_index")
    if index is None:
        path = app.extensions["index_path"]
        index = SearchIndex(path, reset_if_corrupt=True)
        if index.created or _out_of_step(app, index):
            log.warning("search index at %s is new, unreadable or out of step; rebuilding it from the database", path)
            reindex(app.extensions["db_sessions"], blob_store(app), index, extraction_limits(app))
        app.extensions["search_index"] = index
    return index


def _out_of_step(app: Flask, index: SearchIndex) -> bool:
    """A rebuild that died half-way leaves a valid but short index; counting catches it at start-up."""
    with app.extensions["db_sessions"]() as session:
        evidence = session.scalar(select(func.count()).select_from(Evidence)) or 0
        pending = session.scalar(select(func.count()).select_from(IndexTask).where(IndexTask.done_at.is_(None))) or 0
    return pending == 0 and index.count() != evidence


def start_worker(app: Flask) -> IndexWorker:
    worker = IndexWorker(app.extensions["db_sessions"], blob_store(app), search_index(app), extraction_limits(app))
    app.extensions["index_worker"] = worker
    worker.start()
    return worker


def notify_worker(app: Flask | None = None) -> None:
    """Wake the in-process worker (if this process runs one) so new evidence is searchable within seconds."""
    worker = (app or current_app).extensions.get("index_worker")
    if worker is not None:
        worker.wake.set()
