"""From database rows to search documents, and the worker that writes them to the index.

The database is the source of truth: every change records an IndexTask in its own transaction; a worker claims
a batch (evidence_repo.evidence.queue: one worker on SQLite, any number on PostgreSQL), extracts text (in a
limited child process), saves it on the row, updates the index, then marks the tasks done. A crash at any point
leaves the tasks pending, and they are replayed at the next start or, on PostgreSQL, by another worker once the
crashed one's lease has expired.
"""
from __future__ import annotations

import io
import json
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from evidence_repo.db import utcnow
from evidence_repo.evidence import queue
from evidence_repo.evidence.models import (
    LOW_QUALITY_CONFIDENCE,
    Evidence,
    EvidenceFile,
    IndexTask,
    PublicVersion,
    TextStatus,
    Visibility,
)
from evidence_repo.plan.models import Commitment, Milestone
from indexer.extract import ALLOWED_MIME_TYPES, Extraction, ExtractorPool
from storage import BlobStore

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_ATTEMPTS = 5  # failures of one task before its evidence is taken out of the index (fail closed)
# Task kinds (IndexTask.action). INDEX: a new file or version, whose text may need extracting first. ACCESS: who
# may see the evidence and what it is called (visibility, title, commitment; later withdrawal and purge): written
# from the database straight away, before and during any extraction.
INDEX = "index"
ACCESS = "access"
ACCESS_POLL_SECONDS = 0.5  # how often a worker busy extracting looks for ACCESS tasks (other processes' changes)


def file_type_label(mime: str) -> str:
    """The label a type is indexed and filtered by (as written in ``ALLOWED_MIME_TYPES``); pages show it
    translated (``templating.file_type_name``)."""
    return ALLOWED_MIME_TYPES.get(mime, mime)


def search_visibility(visibility: str, has_public_version: bool) -> str:
    """The visibility of an evidence's search document: restricted evidence with a versión pública is found by
    the public, through that version's text only (see :func:`to_document`)."""
    return Visibility.public.value if has_public_version else visibility


def to_document(e: Evidence) -> dict:
    """The search document for an evidence's current version; plain values only.

    Restricted evidence with a versión pública becomes a public document made of that version alone (its text and
    file type, never the original's): the public finds and counts it, and staff find it by the same words. One
    document per evidence keeps totals and facets right for every reader."""
    current = e.current
    shown: EvidenceFile | PublicVersion = current
    if e.has_public_version and e.public_version is not None:
        shown = e.public_version
    when: date | None = e.session_date or (current.captured_on if shown is current else None)  # not the original's
    commitment = e.milestone.commitment
    return {
        "id": str(e.id),
        "title": e.title,
        "description": e.description or "",
        "text": shown.text or "",
        "milestone": e.milestone.number,
        "milestone_text": e.milestone.objective,
        "activity": str(e.activity_id) if e.activity_id else "",
        "activity_text": (e.activity.name or "") if e.activity else "",
        "means": e.means.name,
        "means_text": e.means.name,
        "date": when,
        "year": when.year if when else None,
        "file_type": file_type_label(shown.mime_type),
        "visibility": search_visibility(e.visibility, e.has_public_version),
        # Which plan and commitment it proves, as slugs to filter and count by. The commitment's title is not
        # sent: the index searches it, so every document of a commitment would match each word of its title
        # ("transparencia", "programas sociales"); pages and the API show current titles from the database.
        "plan": commitment.plan.slug,
        "plan_title": commitment.plan.title,
        "commitment": commitment.slug,
    }


def queue_access_update(session: Session, evidence_id: int) -> None:
    """Record that who may see ``evidence_id`` (or what it is called) changed; the worker applies it before any
    extraction, so a restricted item leaves public search within seconds even with a long OCR queue."""
    session.add(IndexTask(evidence_id=evidence_id, action=ACCESS))


def _evidence_query():
    """Evidence that belongs in the index: withdrawn evidence is left out (its task deletes it from the index)."""
    return select(Evidence).where(Evidence.withdrawn_at.is_(None)).options(
        selectinload(Evidence.files), selectinload(Evidence.public_versions),
        selectinload(Evidence.milestone).selectinload(Milestone.commitment).selectinload(Commitment.plan),
        selectinload(Evidence.means), selectinload(Evidence.activity),
    )


@dataclass
class ExtractionLimits:
    timeout: float = 120.0
    memory_mb: int = 1024
    workers: int = 2


def apply_extraction(store: BlobStore, f: EvidenceFile, result: Extraction) -> None:
    """Record what extraction made of a stored file; the searchable copy (a temp file) moves into the store."""
    f.text_status = str(result.status)
    f.text_error = result.error
    f.text = result.text or None
    f.pages = result.pages
    f.captured_on = date.fromisoformat(result.captured_on) if result.captured_on else None
    if result.thumbnail:
        f.thumbnail_sha256 = store.put(io.BytesIO(result.thumbnail)).sha256
    f.ocr_confidence = result.ocr_confidence
    f.ocr_pages = json.dumps(result.ocr_pages) if result.ocr_pages else None
    f.searchable_sha256 = _store_searchable(store, result.searchable_pdf)
    f.processed_at = utcnow()


def apply_public_extraction(p: PublicVersion, result: Extraction) -> None:
    """A versión pública keeps its text (for the public's search and page) and nothing derived: no thumbnail or
    searchable copy, whose pixels would be the redacted file's anyway."""
    p.text_status = str(result.status)
    p.text_error = result.error
    p.text = result.text or None
    p.pages = result.pages
    p.processed_at = utcnow()
    if result.searchable_pdf:
        Path(result.searchable_pdf).unlink(missing_ok=True)


def _store_searchable(store: BlobStore, path: str | None) -> str | None:
    if not path:
        return None
    try:
        with open(path, "rb") as handle:
            return store.put(handle).sha256
    except OSError:
        log.warning("searchable copy %s could not be stored", path, exc_info=True)
        return None
    finally:
        Path(path).unlink(missing_ok=True)


class Extractor:
    """Stored files to text, in parallel limited child processes (one pool per worker or rebuild)."""

    def __init__(self, store: BlobStore, limits: ExtractionLimits):
        self.store = store
        workers = max(1, limits.workers)
        self._pool = ExtractorPool(workers, timeout=limits.timeout, memory_mb=limits.memory_mb)
        self._threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="extract")

    def extract_many(self, sha256s: list[str], while_waiting: Callable[[], object] | None = None,
                     every: float = ACCESS_POLL_SECONDS) -> list[Extraction]:
        """Extract stored files, results in order; never raises for a bad file (it is a failed Extraction).
        ``while_waiting`` is called every ``every`` seconds until they are all done.

        A scan's searchable copy is written to a temp file in the store's temp folder (apply_extraction stores
        it; one left behind by a crash is cleaned like any stray upload)."""
        futures = [self._threads.submit(self._extract_one, sha) for sha in sha256s]
        if while_waiting is not None:
            while wait(futures, timeout=every).not_done:
                while_waiting()
        return [f.result() for f in futures]

    def _extract_one(self, sha256: str) -> Extraction:
        self.store.temp_dir.mkdir(parents=True, exist_ok=True)
        copy = self.store.temp_dir / f"searchable-{uuid.uuid4().hex}.pdf"
        result = self._pool.extract(self.store.path_for(sha256), searchable_pdf=str(copy))
        if not result.searchable_pdf:
            copy.unlink(missing_ok=True)
        return result

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        self._pool.close()


class IndexWorker:
    """Drains IndexTask rows in order, in batches it claims under a lease (evidence_repo.evidence.queue).

    No transaction stays open while files are extracted (up to ``limits.timeout`` each): a batch is read in one
    short session, extracted with no session at all, and written back in another short one. A long read
    transaction would keep SQLite from checkpointing its WAL and PostgreSQL from vacuuming.
    """

    def __init__(self, sessions: sessionmaker[Session], store: BlobStore, index, limits: ExtractionLimits,
                 batch_size: int = 50, lease_seconds: float = queue.LEASE_SECONDS):
        self.sessions, self.store, self.index, self.limits = sessions, store, index, limits
        self.batch_size = batch_size
        self.name = queue.worker_name()  # written on the tasks it claims (evidence_repo.evidence.queue)
        self.lease_seconds = lease_seconds
        self.timings: Counter[str] = Counter()
        self.wake = threading.Event()
        self.stop = threading.Event()
        self.before_start: Callable[[], None] | None = None
        # Other outboxes this worker drains after each batch (e-mail: evidence_repo.mail.sending); each returns
        # how much it did. A failing one is logged and never stops the index work.
        self.side_jobs: list[Callable[[], int]] = []
        self._extractor = Extractor(store, limits)
        self._retry_at: dict[int, float] = {}  # task id -> monotonic time of its next try, after a failure

    def run_once(self) -> int:
        """Apply pending ACCESS tasks, then process one batch of INDEX tasks, then the side jobs; returns how many
        things were completed."""
        return self.apply_access_updates() + self._index_batch() + self._side_jobs()

    def _side_jobs(self) -> int:
        done = 0
        for job in self.side_jobs:
            try:
                done += job()
            except Exception:  # noqa: BLE001
                log.exception("worker side job %r failed", job)
        return done

    # --- ACCESS tasks: from the database to the index, never waiting for an extraction ---------------------

    def apply_access_updates(self) -> int:
        """Write the pending ACCESS tasks' documents as the database has them now (text as already extracted)."""
        with self.sessions() as session:
            tasks = self._pending(session, ACCESS)
            if not tasks:
                return 0
            ids = list(dict.fromkeys(t.evidence_id for t in tasks))
            evidences = {e.id: e for e in session.scalars(_evidence_query().where(Evidence.id.in_(ids)))}
            docs = [to_document(evidences[i]) for i in ids if i in evidences]
            missing = [str(i) for i in ids if i not in evidences]
            session.commit()
            if not self._write_index(session, [t.id for t in tasks], docs, missing, fail_closed_at=1):
                return 0
        return len(tasks)

    def _access_while_extracting(self) -> None:
        try:
            self.apply_access_updates()
        except Exception:  # noqa: BLE001  (the extraction batch goes on; the task stays pending)
            log.exception("applying access changes during extraction failed")

    def _waiting(self) -> list[int]:
        """Tasks whose index update failed and wait for their retry time."""
        return [task_id for task_id, at in self._retry_at.items() if at > time.monotonic()]

    def _pending(self, session: Session, action: str, limit: int | None = None) -> list:
        """The oldest pending tasks of one kind (ACCESS, or everything else), skipping those waiting to retry."""
        query = select(IndexTask.id, IndexTask.evidence_id).where(IndexTask.done_at.is_(None))
        query = query.where(IndexTask.action == ACCESS) if action == ACCESS else query.where(IndexTask.action != ACCESS)
        waiting = self._waiting()
        if waiting:
            query = query.where(IndexTask.id.not_in(waiting))
        return list(session.execute(query.order_by(IndexTask.id).limit(limit or self.batch_size)).all())

    def _write_index(self, session: Session, task_ids: list[int], docs: list[dict], missing: list[str], *,
                     fail_closed_at: int = MAX_ATTEMPTS) -> bool:
        """Write to the index and mark the tasks done; on failure record it on the tasks, and once they have
        failed ``fail_closed_at`` times take their evidence out of the index (fail closed: a document whose new
        visibility cannot be written must not stay public). Failed tasks stay pending and are retried later."""
        try:
            if docs:
                self.index.add(docs)
            if missing:
                self.index.delete(missing)
        except Exception as exc:  # noqa: BLE001  (recorded on the tasks, retried later)
            log.exception("index update failed")
            failed = list(session.scalars(select(IndexTask).where(IndexTask.id.in_(task_ids))))
            for t in failed:
                t.attempts += 1
                t.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                self._retry_at[t.id] = time.monotonic() + min(2.0 ** t.attempts, 300.0)
            queue.release(session, self.name, task_ids)  # claimable again (by another worker, after the wait here)
            session.commit()
            if any(t.attempts >= fail_closed_at for t in failed):
                self._take_out([str(d["id"]) for d in docs])
            return False
        session.execute(update(IndexTask).where(IndexTask.id.in_(task_ids)).values(done_at=utcnow()))
        session.commit()
        log.info("%s: %d index task(s) done: %s", self.name, len(task_ids), ",".join(map(str, task_ids)))
        for task_id in task_ids:
            self._retry_at.pop(task_id, None)
        return True

    def _take_out(self, ids: list[str]) -> None:
        try:
            self.index.delete(ids)
            log.warning("evidence %s taken out of the search index until its update succeeds", ", ".join(ids))
        except Exception:  # noqa: BLE001
            log.exception("could not take evidence %s out of the search index either", ", ".join(ids))

    # --- INDEX tasks: extract what is pending, then index -------------------------------------------------

    def _index_batch(self) -> int:
        clock = time.perf_counter
        t0 = clock()
        with self.sessions() as session:
            tasks = queue.claim(session, self.name, self.batch_size, self.lease_seconds, exclude_action=ACCESS,
                                skip=self._waiting())
            if not tasks:
                return 0
            ids = list(dict.fromkeys(t.evidence_id for t in tasks))
            pending = []  # (kind, row id, sha256): the current file and the versión pública, when not yet read
            for e in session.scalars(_evidence_query().where(Evidence.id.in_(ids))):
                for f in (e.current, e.public_version):
                    if f is not None and f.text_status == TextStatus.pending.value:
                        pending.append((type(f), f.id, f.sha256))
        t1 = clock()
        task_ids = [t.id for t in tasks]
        with queue.LeaseKeeper(self.sessions, self.name, task_ids, self.lease_seconds):
            results = self._extractor.extract_many([sha for _, _, sha in pending], self._access_while_extracting)
        t2 = clock()
        with self.sessions() as session:
            extracted = dict(zip(((kind, row_id) for kind, row_id, _ in pending), results))
            for f in session.scalars(select(EvidenceFile).where(
                    EvidenceFile.id.in_([i for kind, i in extracted if kind is EvidenceFile]))):
                if f.text_status == TextStatus.pending.value:  # not already done by a concurrent reindex
                    apply_extraction(self.store, f, extracted[EvidenceFile, f.id])
            for p in session.scalars(select(PublicVersion).where(
                    PublicVersion.id.in_([i for kind, i in extracted if kind is PublicVersion]))):
                if p.text_status == TextStatus.pending.value:
                    apply_public_extraction(p, extracted[PublicVersion, p.id])
            session.commit()  # extracted text is safe before the index is touched
            evidences = {e.id: e for e in session.scalars(_evidence_query().where(Evidence.id.in_(ids)))}
            docs = [to_document(evidences[i]) for i in ids if i in evidences]
            missing = [str(i) for i in ids if i not in evidences]
            session.commit()  # nothing is held open while the index writes
            t_db = clock()
            if not self._write_index(session, task_ids, docs, missing):
                return 0
        t4 = clock()
        self.timings.update({"extract": t2 - t1, "index": t4 - t_db, "database": (t1 - t0) + (t_db - t2)})
        return len(tasks)

    def drain(self) -> int:
        total = 0
        while n := self.run_once():
            total += n
        return total

    def run_forever(self, poll_seconds: float = 1.0, gather_seconds: float = 0.25) -> None:
        """Process batches until stopped. After a partial batch, wait briefly so the next one can fill up:
        an index commit costs about as much as indexing fifty documents, so one commit per file under load
        would make the queue grow."""
        while not self.stop.is_set():
            try:
                done = self.run_once()
                if done:
                    if done < self.batch_size:
                        self.stop.wait(gather_seconds)
                    continue
            except Exception:  # noqa: BLE001  (the worker must outlive one bad batch)
                log.exception("index worker batch failed")
            self.wake.wait(poll_seconds)
            self.wake.clear()

    def _run(self) -> None:
        if self.before_start is not None:
            try:
                self.before_start()
            except Exception:  # noqa: BLE001  (a failed rebuild is logged; tasks are still processed)
                log.exception("index worker start-up step failed")
        self.run_forever()

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, name="index-worker", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self.stop.set()
        self.wake.set()
        self._extractor.close()


def iter_documents(session: Session, batch: int = 200) -> Iterator[dict]:
    """Every evidence as a search document, read in batches so memory stays bounded."""
    last = 0
    while True:
        rows = session.scalars(_evidence_query().where(Evidence.id > last).order_by(Evidence.id).limit(batch)).all()
        if not rows:
            return
        for e in rows:
            yield to_document(e)
        last = rows[-1].id
        session.expunge_all()


def rewrite_documents(sessions: sessionmaker[Session], index, evidence_ids: Iterable[int]) -> int:
    """Write these evidences' documents again from the database (no extraction): ``check --repair`` of drift."""
    ids = list(evidence_ids)
    with sessions() as session:
        docs = [to_document(e) for e in session.scalars(_evidence_query().where(Evidence.id.in_(ids)))]
    return index.add(docs) if docs else 0


def reindex(sessions: sessionmaker[Session], store: BlobStore, index, limits: ExtractionLimits, *,
            re_extract: bool = False, only_low_quality: bool = False,
            progress: Callable[[int], None] | None = None, procs: int = 1) -> int:
    """Rebuild the index from the database (and the stored files for text not yet extracted).

    ``procs`` > 1 analyses the documents in that many child processes (the
    ``reindex`` command; not for a serving process).

    ``re_extract`` extracts every current file again; with ``only_low_quality`` only the scans whose text is
    "de baja calidad" (after an OCR improvement, or to try a rescan's luck).

    Files are extracted in batches with no transaction open during extraction, like the worker does.
    """
    with sessions() as session:
        query = select(EvidenceFile.id, EvidenceFile.sha256).join(Evidence).where(EvidenceFile.id.in_(
            select(EvidenceFile.id).where(EvidenceFile.evidence_id == Evidence.id)
            .order_by(EvidenceFile.version.desc()).limit(1).correlate(Evidence).scalar_subquery()
        ))
        if not re_extract:
            query = query.where(EvidenceFile.text_status == TextStatus.pending.value)
        elif only_low_quality:
            query = query.where(EvidenceFile.ocr_confidence < LOW_QUALITY_CONFIDENCE)
        files = session.execute(query.order_by(EvidenceFile.id)).all()
        public = session.execute(select(PublicVersion.id, PublicVersion.sha256).where(
            PublicVersion.text_status == TextStatus.pending.value).order_by(PublicVersion.id)).all()
    if files or public:
        extractor = Extractor(store, limits)
        try:
            for kind, rows in ((EvidenceFile, files), (PublicVersion, public)):
                for batch in _chunks(rows, 50):
                    results = extractor.extract_many([sha for _, sha in batch])
                    with sessions() as session:
                        for (row_id, _), result in zip(batch, results):
                            row = session.get(kind, row_id)
                            if isinstance(row, EvidenceFile):
                                apply_extraction(store, row, result)
                            elif isinstance(row, PublicVersion):
                                apply_public_extraction(row, result)
                        session.commit()
        finally:
            extractor.close()
    with sessions() as session:
        covered = session.scalar(select(func.max(IndexTask.id))) or 0
        count = index.rebuild(iter_documents(session), progress=progress, procs=procs)
        session.execute(update(IndexTask).where(IndexTask.done_at.is_(None), IndexTask.id <= covered)
                        .values(done_at=utcnow()))
        session.commit()
    return count


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
