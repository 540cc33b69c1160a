"""Full-text index of evidence files, behind a small plain-value interface.

Callers pass dicts of plain values and get dataclasses back; Whoosh never
leaks out of this package. Visibility is enforced inside every Whoosh query,
so totals, facets, snippets, prefix expansions and suggestions only ever see
documents the caller may see.

Typical start-up::

    try:
        idx = SearchIndex(path)
    except IndexCorrupt:
        idx = SearchIndex(path, reset_if_corrupt=True)
    if idx.created:                      # new or reset: fill from the database
        idx.rebuild(documents_from_db(), progress=print)
"""

from __future__ import annotations

import json
import logging
import math
import os
import pickle
import re
import struct
import threading
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from itertools import islice
from pathlib import Path

from whoosh import columns, index, sorting, writing
from whoosh import query as wq
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema
from whoosh.index import LockError

from .analysis import STOP_WORDS, FoldingAnalyzer, SpanishAnalyzer, analyzer_fingerprint, fold
from .search import (
    expand_prefixes,
    field_terms,
    make_parser,
    parse,
    plain_snippet,
    snippet,
    suggest,
)

__all__ = [
    "SearchIndex",
    "SearchResults",
    "Hit",
    "IndexCorrupt",
    "IndexLocked",
    "PUBLIC",
    "PUBLIC_ONLY",
    "DOC_KEYS",
    "FACETS",
]

log = logging.getLogger(__name__)

PUBLIC = "public"
RESTRICTED = "restricted"
PUBLIC_ONLY = frozenset({PUBLIC})
FACETS = ("milestone", "means", "year", "file_type")
DOC_KEYS = frozenset(
    {
        "id", "title", "text", "description", "milestone", "milestone_text",
        "activity", "activity_text", "means", "means_text", "date", "year",
        "file_type", "visibility",
    }
)
# Only the start of the body is stored: snippets come from it, the whole body
# is still indexed. Bounds index size for scanned books and huge spreadsheets.
EXCERPT_CHARS = 20_000
MAX_PER_PAGE = 100
MAX_QUERY_CHARS = 500
SCHEMA_VERSION = 1
_META_FILE = "evidence_index.json"
# What a damaged or vanished index raises while being read.
_CORRUPTION = (
    OSError, EOFError, struct.error, zlib.error, pickle.UnpicklingError, index.IndexError
)


class IndexCorrupt(Exception):
    """The index on disk cannot be used; rebuild it from the database."""


class IndexLocked(Exception):
    """Another writer held the index for longer than the lock timeout."""


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    milestone: str | None
    means: str | None
    date: date | None
    file_type: str | None
    snippet: str  # safe HTML: escaped text, matches in <mark>


@dataclass(frozen=True)
class SearchResults:
    total: int
    page: int
    per_page: int
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=lambda: {f: {} for f in FACETS})
    suggestion: str | None = None

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.per_page) if self.total else 0


def build_schema() -> Schema:
    text = SpanishAnalyzer()
    words = FoldingAnalyzer()
    return Schema(
        id=ID(unique=True, stored=True, sortable=True),
        title=TEXT(analyzer=text, stored=True),
        description=TEXT(analyzer=text, stored=True),
        text=TEXT(analyzer=text),
        excerpt=STORED(),
        milestone=ID(stored=True, sortable=True),
        milestone_text=TEXT(analyzer=text),
        activity=ID(stored=True),
        activity_text=TEXT(analyzer=text),
        means=ID(stored=True, sortable=True),
        means_text=TEXT(analyzer=text),
        # Default 0 sorts undated documents last when listing newest first.
        date=DATETIME(stored=True, sortable=columns.NumericColumn("Q", default=0)),
        year=ID(stored=True, sortable=True),
        file_type=ID(stored=True, sortable=True),
        visibility=ID(stored=True),
        # Unstemmed words for suggestions and prefix expansion, kept apart per
        # audience so a restricted document's words never reach the public.
        vocab_all=TEXT(analyzer=words, phrase=False),
        vocab_public=TEXT(analyzer=words, phrase=False),
    )


_process_locks: dict[str, threading.RLock] = {}
_process_locks_guard = threading.Lock()


def _process_lock(path: Path) -> threading.RLock:
    """Whoosh's file lock is per process (fcntl), so threads need their own."""
    key = os.path.realpath(path)
    with _process_locks_guard:
        return _process_locks.setdefault(key, threading.RLock())


class SearchIndex:
    """One Whoosh index directory: open-or-create, write, search."""

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        reset_if_corrupt: bool = False,
        lock_timeout: float = 60.0,
        batch_size: int = 500,
    ):
        """Open the index at ``path``, creating an empty one if there is none.

        ``created`` is True when the index was just created or reset, i.e. it
        is empty and should be rebuilt from the database. An unreadable index
        raises :class:`IndexCorrupt` unless ``reset_if_corrupt``.
        """
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.batch_size = batch_size
        self.created = False
        with self._locked():
            self._ix = self._open(reset_if_corrupt)
        self._parser = make_parser(self._ix.schema)

    # --- opening ------------------------------------------------------------

    def _open(self, reset: bool):
        self.path.mkdir(parents=True, exist_ok=True)
        if self._leftovers():
            try:
                ix = index.open_dir(str(self.path))
                self._verify(ix)
                return ix
            except Exception as exc:  # any failure to read means "rebuild me"
                if not reset:
                    raise IndexCorrupt(f"index at {self.path} is unreadable: {exc!r}") from exc
                log.warning("resetting unreadable search index at %s: %r", self.path, exc)
        self.created = True
        return self._create()

    def _leftovers(self) -> bool:
        """Any Whoosh file at all: a TOC, segments or a lock (not index.exists_in,
        which itself raises on a damaged TOC)."""
        return any(self.path.glob("MAIN_*")) or any(self.path.glob("_MAIN_*"))

    def _create(self):
        ix = index.create_in(str(self.path), build_schema())
        tmp = self.path / (_META_FILE + ".tmp")
        tmp.write_text(json.dumps(_meta()), encoding="utf-8")
        os.replace(tmp, self.path / _META_FILE)
        return ix

    def _verify(self, ix) -> None:
        """Raise if the index cannot serve searches as this code expects."""
        if sorted(ix.schema.names()) != sorted(build_schema().names()):
            raise IndexCorrupt("index schema differs from this version")
        meta = json.loads((self.path / _META_FILE).read_text(encoding="utf-8"))
        if meta != _meta():
            raise IndexCorrupt(f"index built by another schema/analyzer version: {meta}")
        with ix.reader() as reader:
            for _ in reader.lexicon("id"):
                pass
            last = reader.doc_count_all() - 1
            if last >= 0:
                reader.stored_fields(last)

    # --- writing ------------------------------------------------------------

    @contextmanager
    def _locked(self):
        lock = _process_lock(self.path)
        if not lock.acquire(timeout=self.lock_timeout):
            raise IndexLocked(f"search index at {self.path} is busy")
        try:
            yield
        finally:
            lock.release()

    @contextmanager
    def _writer(self, mergetype=None):
        """A synchronous writer: committed on success, cancelled on error."""
        with self._locked():
            try:
                writer = self._ix.writer(timeout=self.lock_timeout, limitmb=64)
            except LockError as exc:
                raise IndexLocked(f"index at {self.path} is locked by another process") from exc
            try:
                yield writer
            except BaseException:
                writer.cancel()
                raise
            writer.commit(mergetype=mergetype)

    def add_many(self, docs: Iterable[dict]) -> int:
        """Add or replace documents by ``id``; commits every ``batch_size``.

        Each batch is validated before it is written; a bad document raises
        ``ValueError`` and earlier batches stay committed.
        """
        written = 0
        for batch in _batched(docs, self.batch_size):
            latest = {f["id"]: f for f in map(_to_fields, batch)}
            with self._writer() as writer:
                for fields in latest.values():
                    writer.update_document(**fields)
            written += len(latest)
        return written

    def delete_many(self, ids: Iterable[str | int]) -> int:
        """Delete documents by id; returns how many were found."""
        ids = [str(i) for i in ids]
        if not ids:
            return 0
        with self._writer() as writer:
            return sum(writer.delete_by_term("id", i) for i in ids)

    def rebuild(
        self, docs: Iterable[dict], progress: Callable[[int], None] | None = None
    ) -> int:
        """Replace the whole index with ``docs`` (ids should be unique; repeats
        are skipped).

        One writer streams all batches and swaps them in with a single commit:
        searchers keep seeing the old index until the new one is complete, and a
        crash leaves the old one intact. Memory stays bounded by the writer's
        pool size, not the number of documents. An unreadable index is
        recreated first.
        """
        with self._locked():
            try:
                self._verify(self._ix)
            except Exception as exc:
                log.warning("recreating search index at %s before rebuild: %r", self.path, exc)
                self._ix = self._create()
            seen: set[str] = set()
            with self._writer(mergetype=writing.CLEAR) as writer:
                for batch in _batched(docs, self.batch_size):
                    for fields in map(_to_fields, batch):
                        if fields["id"] not in seen:
                            seen.add(fields["id"])
                            writer.add_document(**fields)
                    if progress:
                        progress(len(seen))
            return len(seen)

    # --- reading ------------------------------------------------------------

    @contextmanager
    def _searcher(self):
        try:
            with self._ix.searcher() as searcher:
                yield searcher
        except _CORRUPTION as exc:
            raise IndexCorrupt(f"search index at {self.path} failed: {exc!r}") from exc

    def count(self) -> int:
        with self._searcher() as s:
            return s.doc_count()

    def doc_ids(self) -> set[str]:
        """Ids of all live documents, for drift checks against the database."""
        with self._searcher() as s:
            reader = s.reader()
            if not reader.doc_count():
                return set()  # an empty index has no column to read
            column = reader.column_reader("id")
            return {column[n] for n in reader.all_doc_ids()}

    def search(
        self,
        query: str = "",
        *,
        filters: dict | None = None,
        visibility: Collection[str] | str = PUBLIC_ONLY,
        page: int = 1,
        per_page: int = 20,
        sort: str = "relevance",
    ) -> SearchResults:
        """Search what ``visibility`` allows; never raises on bad query syntax.

        ``query``: AND by default, ``OR``, ``-word``/``NOT``, ``"phrase"``,
        ``prefix*``. Empty or nothing searchable (only stop words, ``*``) lists
        the newest documents. ``filters``: {milestone|means|year|file_type:
        value or list of values}. ``sort``: "relevance" or "date" (newest
        first). Facet counts cover the whole filtered result set.
        """
        if sort not in ("relevance", "date"):
            raise ValueError(f"sort must be 'relevance' or 'date', not {sort!r}")
        levels = {visibility} if isinstance(visibility, str) else set(visibility)
        page = max(1, int(page))
        per_page = min(max(1, int(per_page)), MAX_PER_PAGE)
        if not levels:
            return SearchResults(0, page, per_page)
        restriction = _restriction(levels, filters or {})
        vocab = "vocab_public" if levels <= PUBLIC_ONLY else "vocab_all"
        text = (query or "").strip()[:MAX_QUERY_CHARS]
        with self._searcher() as s:
            # Second attempt: plain words, in case Whoosh chokes on the syntax.
            for attempt in dict.fromkeys((text, " ".join(_WORD.findall(text)))):
                try:
                    user_q = parse(self._parser, attempt) if attempt else wq.NullQuery
                    return self._run(s, text, user_q, restriction, vocab, page, per_page, sort)
                except _CORRUPTION:
                    raise
                except Exception:
                    log.exception("search failed for %r", attempt)
            return SearchResults(0, page, per_page)

    def _run(self, s, text, user_q, restriction, vocab, page, per_page, sort) -> SearchResults:
        browse = user_q is wq.NullQuery
        user_q = wq.Every() if browse else expand_prefixes(user_q, s.reader(), vocab)
        by_date = browse or sort == "date"
        results = s.search(
            wq.Require(user_q, restriction),
            limit=page * per_page,
            sortedby="date" if by_date else None,
            reverse=by_date,
            optimize=False,  # block-quality skipping trips an assertion in Require
            groupedby={f: sorting.FieldFacet(f, maptype=sorting.Count) for f in FACETS},
        )
        terms = frozenset() if browse else field_terms(user_q, "text")
        analyzer = s.schema["text"].analyzer
        hits = [
            _hit(h, terms, analyzer)
            for h in results[(page - 1) * per_page : page * per_page]
        ]
        facets = {f: _facet_counts(results.groups(f)) for f in FACETS}
        suggestion = None if browse else suggest(s, self._parser, text, vocab, restriction)
        return SearchResults(len(results), page, per_page, hits, facets, suggestion)


# --- helpers ---------------------------------------------------------------


def _meta() -> dict:
    return {"schema_version": SCHEMA_VERSION, "analyzer": analyzer_fingerprint()}


def _batched(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _as_datetime(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    raise ValueError(f"date must be a date, datetime or ISO string, not {value!r}")


_WORD = re.compile(r"\w+")


def _vocabulary(*texts: str) -> str:
    """Distinct plain words of ``texts``: what suggestions may propose.

    A regex over the folded text rather than the analyzer: same words, a
    fraction of the cost of another token pipeline pass.
    """
    words: set[str] = set()
    for text in texts:
        if text:
            words.update(_WORD.findall(fold(text)))
    return " ".join(
        sorted(w for w in words if w.isalpha() and 2 <= len(w) <= 40 and w not in STOP_WORDS)
    )


def _to_fields(doc: dict) -> dict:
    """Validate a caller's document and map it onto schema fields."""
    unknown = doc.keys() - DOC_KEYS
    if unknown:
        raise ValueError(f"unknown document keys: {sorted(unknown)}")
    if doc.get("id") in (None, ""):
        raise ValueError("document without id")
    visibility = doc.get("visibility") or RESTRICTED  # fail closed
    when = _as_datetime(doc.get("date"))
    year = doc.get("year") or (when.year if when else None)
    text = doc.get("text") or ""
    means = doc.get("means")
    searchable = {
        "title": doc.get("title") or "",
        "description": doc.get("description") or "",
        "text": text,
        "milestone_text": doc.get("milestone_text") or "",
        "activity_text": doc.get("activity_text") or "",
        "means_text": doc.get("means_text") or means or "",
    }
    fields = {
        **searchable,
        "id": str(doc["id"]),
        "excerpt": text[:EXCERPT_CHARS],
        "milestone": doc.get("milestone"),
        "activity": doc.get("activity"),
        "means": means,
        "date": when,
        "year": year,
        "file_type": doc.get("file_type"),
        "visibility": str(visibility),
    }
    # Keywords are kept verbatim (facet values and filters must round-trip);
    # empty ones are left out rather than indexed as "".
    fields = {
        k: v if isinstance(v, (str, datetime)) else str(v)
        for k, v in fields.items()
        if k in searchable or v not in (None, "")
    }
    vocabulary = _vocabulary(*searchable.values())
    fields["vocab_all"] = vocabulary
    if visibility == PUBLIC:
        fields["vocab_public"] = vocabulary
    return fields


def _restriction(levels: set[str], filters: dict):
    """Visibility and facet filters as one query, ANDed into every search."""
    unknown = filters.keys() - set(FACETS)
    if unknown:
        raise ValueError(f"unknown filters: {sorted(unknown)}")
    parts = [wq.Or([wq.Term("visibility", v) for v in sorted(levels)])]
    for name, value in filters.items():
        values = [value] if isinstance(value, (str, int)) else list(value or ())
        values = [str(v) for v in values if v not in (None, "")]
        if values:
            parts.append(wq.Or([wq.Term(name, v) for v in values]))
    return wq.And(parts)


def _facet_counts(groups: dict) -> dict[str, int]:
    counts = {str(k): v for k, v in groups.items() if k not in (None, "", b"")}
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _hit(h, terms: frozenset[str], analyzer) -> Hit:
    excerpt = h.get("excerpt") or ""
    when = h.get("date")
    return Hit(
        id=h["id"],
        title=h.get("title") or "",
        milestone=h.get("milestone"),
        means=h.get("means"),
        date=when.date() if when else None,
        file_type=h.get("file_type"),
        snippet=(terms and snippet(excerpt, terms, analyzer))
        or plain_snippet(excerpt or h.get("description") or ""),
    )
