"""The index directory: open or create, verify, lock, write."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.index import Index, LockError

from ..contract import Document, IndexCorrupt, IndexLocked
from ..documents import TEXT_FIELDS, batched
from . import _internals
from .schema import META_FILE, SCHEMA_VERSION, VOCAB_FIELDS, build_schema, meta, to_fields, vocab_field

log = logging.getLogger(__name__)

# A rebuild gathers the spelling words of this many documents into one
# vocabulary document per audience: bounded memory, and a handful of postings
# per word instead of one per word per document (they were half of all
# postings, and Whoosh's pure-Python writer spends its time per posting).
VOCABULARY_SPAN = 20_000

_process_locks: dict[str, threading.RLock] = {}
_process_locks_guard = threading.Lock()


def _process_lock(path: Path) -> threading.RLock:
    """Whoosh's file lock is per process (fcntl), so threads need their own."""
    key = os.path.realpath(path)
    with _process_locks_guard:
        return _process_locks.setdefault(key, threading.RLock())


class IndexStore:
    """One Whoosh index directory. ``ix`` is replaced when the index is
    recreated, and ``epoch`` bumped; ``on_commit`` runs after every commit."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        reset_if_corrupt: bool,
        lock_timeout: float,
        batch_size: int,
        on_commit: Callable[[], None],
    ):
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.batch_size = batch_size
        self.on_commit = on_commit
        self.created = False
        self.epoch = 0
        with self.locked():
            self.ix = self._open(reset_if_corrupt)

    # --- opening ------------------------------------------------------------

    def _storage(self) -> FileStorage:
        """No memory maps: Whoosh copies each mapped compound-segment file into
        a BytesIO on every open, which made opening a searcher cost as much as
        reading the whole index."""
        return FileStorage(str(self.path), supports_mmap=False)

    def _open(self, reset: bool) -> Index:
        self.path.mkdir(parents=True, exist_ok=True)
        leftovers = self._leftovers()
        old = self._older_version() if leftovers else None
        if old is not None:
            # Out of date, not damaged: reset whatever ``reset`` says (nothing
            # in it is lost, the database refills it).
            log.warning(
                "search index at %s has schema version %s, this code writes %s: resetting it",
                self.path, old, SCHEMA_VERSION,
            )
        elif leftovers:
            try:
                ix = self._storage().open_index()
                self.verify(ix)
                return ix
            except Exception as exc:  # any failure to read means "rebuild me"
                if not reset:
                    raise IndexCorrupt(f"index at {self.path} is unreadable: {exc!r}") from exc
                log.warning("resetting unreadable search index at %s: %r", self.path, exc)
        self.created = True
        return self._create()

    def _older_version(self) -> int | None:
        """The schema version of an index written by an older version of this
        code, from its meta file; None when the file is missing, unreadable,
        or names this version or a newer one (newer code's index is not ours
        to reset: :meth:`verify` calls it corrupt)."""
        try:
            found = json.loads((self.path / META_FILE).read_text(encoding="utf-8"))
            version = found["schema_version"]
        except (OSError, ValueError, TypeError, KeyError):
            return None
        if type(version) is int and 0 <= version < SCHEMA_VERSION:
            return version
        return None

    def _leftovers(self) -> bool:
        """Any Whoosh file at all: a TOC, segments or a lock (not index.exists_in,
        which itself raises on a damaged TOC)."""
        return any(self.path.glob("MAIN_*")) or any(self.path.glob("_MAIN_*"))

    def _create(self) -> Index:
        ix = self._storage().create_index(build_schema())
        tmp = self.path / (META_FILE + ".tmp")
        tmp.write_text(json.dumps(meta()), encoding="utf-8")
        os.replace(tmp, self.path / META_FILE)
        self.epoch += 1
        return ix

    def verify(self, ix: Index) -> None:
        """Raise if the index cannot serve searches as this code expects."""
        if sorted(ix.schema.names()) != sorted(build_schema().names()):
            raise IndexCorrupt("index schema differs from this version")
        found = json.loads((self.path / META_FILE).read_text(encoding="utf-8"))
        if found != meta():
            raise IndexCorrupt(f"index built by another schema/analyzer version: {found}")
        with ix.reader() as reader:
            for _ in reader.lexicon("id"):
                pass
            last = reader.doc_count_all() - 1
            if last >= 0:
                reader.stored_fields(last)

    # --- writing ------------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[None]:
        lock = _process_lock(self.path)
        if not lock.acquire(timeout=self.lock_timeout):
            raise IndexLocked(f"search index at {self.path} is busy")
        try:
            yield
        finally:
            lock.release()

    @contextmanager
    def writer(self, mergetype: Any = None, procs: int = 1) -> Iterator[Any]:
        """A synchronous writer: committed on success, cancelled on error."""
        parallel = {"procs": procs, "multisegment": True} if procs > 1 else {}
        with self.locked():
            try:
                writer = self.ix.writer(timeout=self.lock_timeout, limitmb=64, **parallel)
            except LockError as exc:
                raise IndexLocked(f"index at {self.path} is locked by another process") from exc
            try:
                yield writer
            except BaseException:
                writer.cancel()
                raise
            writer.commit(mergetype=mergetype)
            self.on_commit()

    def add(self, docs: Iterable[Document]) -> int:
        """Add or replace documents by ``id``; commits every ``batch_size``.

        Each batch is validated before it is written; a bad document raises
        ``ValueError`` and earlier batches stay committed.
        """
        written = 0
        for batch in batched(docs, self.batch_size):
            latest = {f["id"]: f for f in map(to_fields, batch)}
            with self.writer() as writer:
                for fields in latest.values():
                    writer.update_document(**fields)
            written += len(latest)
        return written

    def delete(self, ids: Iterable[str | int]) -> int:
        """Delete documents by id; returns how many were found."""
        wanted = [str(i) for i in ids]
        if not wanted:
            return 0
        with self.writer() as writer:
            return sum(writer.delete_by_term("id", i) for i in wanted)

    def rebuild(
        self,
        docs: Iterable[Document],
        progress: Callable[[int], None] | None,
        procs: int,
        count: Callable[[], int],
    ) -> int:
        """Replace the whole index with ``docs``; see WhooshBackend.rebuild.

        New segments are written beside the current ones by
        :class:`_internals.BulkSegmentWriter` (in this process, or in
        ``procs`` spawned ones fed batches through a queue), then one commit
        of this process's locked writer swaps them in for every old segment.
        """
        with self.locked():
            try:
                self.verify(self.ix)
            except Exception as exc:
                log.warning("recreating search index at %s before rebuild: %r", self.path, exc)
                self.ix = self._create()
            with self.writer() as writer:
                if procs > 1:
                    segments, written = _parallel(self.path, docs, progress, procs, self.batch_size)
                else:
                    part = _Part(self.ix, REBUILD_MEMORY)
                    written = 0
                    for batch in _unique_batches(docs, self.batch_size, set()):
                        part.add(batch)
                        written += len(batch)
                        if progress:
                            progress(written)
                    segments = part.finish()
                # Whoosh's merge policy hook: the rebuilt segments replace all others.
                writer.mergetype = lambda _writer, _old: list(segments)
            if procs > 1 and count() != written:
                raise IndexCorrupt(f"parallel rebuild of {self.path} indexed {count()} of {written} documents")
            return written


# Grouped postings a rebuild holds per process before it closes a segment and
# starts the next (a 100,000-document rebuild on two processes: a segment each).
REBUILD_MEMORY = 1 << 30
_JOB_DOCS = 200  # documents per job handed to a rebuild process


def _unique_batches(docs: Iterable[Document], size: int, seen: set[str]) -> Iterator[list[Document]]:
    """Batches of ``docs`` without repeated ids (the first is kept)."""
    for batch in batched(docs, size):
        fresh = []
        for doc in batch:
            key = str(doc.get("id"))
            if key not in seen:
                seen.add(key)
                fresh.append(doc)
        if fresh:
            yield fresh


class _Part:
    """The documents one process writes in a rebuild: segments of at most
    ``memory`` bytes of grouped postings, and the spelling words of every
    ``VOCABULARY_SPAN`` documents as vocabulary documents."""

    def __init__(self, ix: Index, memory: int):
        self.ix, self.memory = ix, memory
        self.segments: list[Any] = []
        self.writer: Any = None
        self.since_vocabulary = 0
        self.words: dict[str, Counter[str]] = {name: Counter() for name in VOCAB_FIELDS}

    def add(self, docs: list[Document]) -> None:
        for doc in docs:
            fields = to_fields(doc, words=False)
            if self.writer is None:
                self.writer = self._new_writer()
            self.writer.add_document(**fields)
            # The words to_fields would have listed, gathered from the tokens indexing read.
            self.words[vocab_field(fields["visibility"])].update(self.writer.words)
            self.since_vocabulary += 1
            if self.since_vocabulary == VOCABULARY_SPAN:
                _add_vocabulary(self.writer, self.words)
                self.since_vocabulary = 0
            if self.writer.memory() >= self.memory:
                self.segments.append(self.writer.finish())
                self.writer = None

    def _new_writer(self) -> Any:
        return _internals.BulkSegmentWriter(self.ix, vocabulary_fields=TEXT_FIELDS)

    def finish(self) -> list[Any]:
        if any(self.words.values()):
            if self.writer is None:
                self.writer = self._new_writer()
            _add_vocabulary(self.writer, self.words)
        if self.writer is not None:
            self.segments.append(self.writer.finish())
            self.writer = None
        return self.segments


def _part_process(path: str, jobs: Any, results: Any, memory: int) -> None:
    """A rebuild process: write the batches from ``jobs`` until None, then
    report ("ok", segments, documents) or ("error", exception)."""
    try:
        part = _Part(FileStorage(path, supports_mmap=False).open_index(), memory)
        written = 0
        while (batch := jobs.get()) is not None:
            part.add(batch)
            written += len(batch)
        results.put(("ok", part.finish(), written))
    except BaseException as exc:  # reported to the parent, which raises it
        try:
            results.put(("error", exc, 0))
        except Exception:
            results.put(("error", RuntimeError(repr(exc)), 0))


def _parallel(
    path: Path, docs: Iterable[Document], progress: Callable[[int], None] | None, procs: int, batch_size: int,
) -> tuple[list[Any], int]:
    """Write ``docs`` as segments in ``procs`` spawned processes (spawned, not
    forked: nothing of a serving process's threads or locks is copied)."""
    ctx = multiprocessing.get_context("spawn")
    jobs, results = ctx.Queue(procs * 4), ctx.Queue()
    workers = [ctx.Process(target=_part_process, args=(str(path), jobs, results, REBUILD_MEMORY // procs),
                           daemon=True) for _ in range(procs)]
    for w in workers:
        w.start()
    reports: list[tuple] = []

    def put(item: object) -> None:
        while True:
            try:
                jobs.put(item, timeout=1)
                return
            except queue.Full:
                _check_alive(workers, results, reports)

    try:
        written = 0
        for batch in _unique_batches(docs, batch_size, set()):
            for start in range(0, len(batch), _JOB_DOCS):
                put(batch[start : start + _JOB_DOCS])
            written += len(batch)
            if progress:
                progress(written)
        for _ in workers:
            put(None)
        while len(reports) < procs:
            try:
                reports.append(results.get(timeout=1))
            except queue.Empty:
                _check_alive(workers, results, reports)
        for w in workers:
            w.join()
    finally:
        for w in workers:
            if w.is_alive():
                w.terminate()
    for status, found, _ in reports:
        if status == "error":
            raise found
    segments = [s for _, found, _ in reports for s in found]
    if sum(n for _, _, n in reports) != written:
        raise IndexCorrupt(f"parallel rebuild of {path} wrote {sum(n for _, _, n in reports)} of {written} documents")
    return segments, written


def _check_alive(workers: list[Any], results: Any, reports: list[tuple]) -> None:
    """Raise when a rebuild process reported an error or died without a report."""
    while True:
        try:
            reports.append(results.get_nowait())
        except queue.Empty:
            break
    for status, found, _ in reports:
        if status == "error":
            raise found
    dead = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
    if dead:
        raise IndexCorrupt(f"a rebuild process died (exit code {dead[0]})")


def _add_vocabulary(writer: Any, words: dict[str, Counter[str]]) -> None:
    """Write the gathered spelling words as vocabulary documents (one per
    audience, no id, no visibility: no search, count or facet can reach
    them) and start gathering anew.

    Deleting or restricting a document later leaves its words here until the
    next rebuild, as Whoosh's lexicon keeps a deleted document's words until
    its segment is merged anyway: suggestions and prefixes only ever offer a
    word after a search shows a document the caller may see contains it.
    """
    for name, counts in words.items():
        if counts:
            writer.add_document(**{name: dict(counts)})
            counts.clear()
