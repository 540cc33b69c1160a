"""The app's handles on its data folder: the file store, the search index and the index worker."""
from __future__ import annotations

import logging

from flask import Flask, current_app

from evidence_repo.evidence.indexing import ExtractionLimits, IndexWorker, reindex
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
        if index.created:
            log.info("search index at %s is new (or was unreadable); filling it from the database", path)
            reindex(app.extensions["db_sessions"], blob_store(app), index, extraction_limits(app))
        app.extensions["search_index"] = index
    return index


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
