"""Full-text index of evidence files, behind a small plain-value interface.

Callers pass dicts of plain values and get dataclasses back; Whoosh never
leaks out of this package. Visibility is enforced inside every search: the set
of documents the caller may see is intersected with the matches before
anything is counted, ranked or shown, so totals, facets, snippets, prefix
expansions, suggestions and similar documents only ever come from documents
the caller may see.

Speed, at 10^5 documents in pure Python, comes from
- one long-lived searcher per thread, reopened only when the index generation
  changes (opening one costs a read of the table of contents and, with memory
  maps, a copy of every segment file: Whoosh's compound files are read
  through BytesIO);
- document sets as Python ints with one byte per document (:class:`_View`):
  each term's postings are read once per generation, boolean queries,
  phrases, visibility, filters, totals and facet counts become C-speed ``&``,
  ``|`` and ``bit_count``; relevance is Whoosh's BM25F computed from the
  cached postings for the matching documents only, and date order needs no
  scoring at all;
- a small result cache keyed by everything that changes an answer, the index
  generation and the caller's visibility included.

Typical start-up::

    try:
        idx = SearchIndex(path)
    except IndexCorrupt:
        idx = SearchIndex(path, reset_if_corrupt=True)
    if idx.created:                      # new or reset: fill from the database
        idx.rebuild(documents_from_db(), progress=print)
"""

from __future__ import annotations

import dataclasses
import heapq
import html
import json
import logging
import math
import os
import pickle
import re
import struct
import threading
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from itertools import compress, count, islice
from pathlib import Path

from whoosh import columns, index, scoring, writing
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.idsets import DocIdSet
from whoosh.index import LockError
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length, length_to_byte

from .analysis import STOP_WORDS, SpanishAnalyzer, analyzer_fingerprint, fold
from .search import (
    FIELD_BOOSTS,
    expand_prefixes,
    field_terms,
    make_parser,
    mark,
    parse,
    plain_snippet,
    snippet,
    suggest,
    wanted_terms,
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
MAX_SIMILAR = 50
# 2: spelling vocabularies split by audience into disjoint fields (was one
# field for everyone plus a copy for the public: twice the postings).
SCHEMA_VERSION = 2
CACHE_SIZE = 512
# Memory for cached per-term document sets (one byte per document each).
TERM_CACHE_BYTES = 48 << 20
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
    # Vocabulary fields receive words already folded, filtered and deduplicated
    # by _vocabulary(): splitting on spaces is all the analysis they need.
    # Scorable only because Whoosh's writer, for a field without lengths,
    # stats the disk once per posting looking for them.
    words = lambda: KEYWORD(scorable=True)  # noqa: E731
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
        # audience so a restricted document's words never reach the public;
        # staff look in both.
        vocab_public=words(),
        vocab_restricted=words(),
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
        cache_size: int = CACHE_SIZE,
    ):
        """Open the index at ``path``, creating an empty one if there is none.

        ``created`` is True when the index was just created or reset, i.e. it
        is empty and should be rebuilt from the database. An unreadable index
        raises :class:`IndexCorrupt` unless ``reset_if_corrupt``.
        ``cache_size`` answers are remembered per index generation (0: none).
        """
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.batch_size = batch_size
        self.cache_size = cache_size
        self.created = False
        self._epoch = 0  # bumped whenever self._ix is replaced
        self._local = threading.local()
        self._views: OrderedDict[tuple, _View] = OrderedDict()
        self._cache: OrderedDict[tuple, object] = OrderedDict()
        self._cache_generation: tuple | None = None
        self._state_lock = threading.Lock()
        with self._locked():
            self._ix = self._open(reset_if_corrupt)
        # Not self._ix.schema: that rereads the table of contents, which a
        # concurrent commit may just have replaced (and _verify vouched for it).
        self._parser = make_parser(build_schema())

    # --- opening ------------------------------------------------------------

    def _storage(self) -> FileStorage:
        """No memory maps: Whoosh copies each mapped compound-segment file into
        a BytesIO on every open, which made opening a searcher cost as much as
        reading the whole index."""
        return FileStorage(str(self.path), supports_mmap=False)

    def _open(self, reset: bool):
        self.path.mkdir(parents=True, exist_ok=True)
        if self._leftovers():
            try:
                ix = self._storage().open_index()
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
        ix = self._storage().create_index(build_schema())
        tmp = self.path / (_META_FILE + ".tmp")
        tmp.write_text(json.dumps(_meta()), encoding="utf-8")
        os.replace(tmp, self.path / _META_FILE)
        self._epoch += 1
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
    def _writer(self, mergetype=None, procs: int = 1):
        """A synchronous writer: committed on success, cancelled on error."""
        parallel = {"procs": procs, "multisegment": True} if procs > 1 else {}
        with self._locked():
            try:
                writer = self._ix.writer(timeout=self.lock_timeout, limitmb=64, **parallel)
            except LockError as exc:
                raise IndexLocked(f"index at {self.path} is locked by another process") from exc
            try:
                yield writer
            except BaseException:
                writer.cancel()
                raise
            writer.commit(mergetype=mergetype)
            self.clear_cache()

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
        self,
        docs: Iterable[dict],
        progress: Callable[[int], None] | None = None,
        *,
        procs: int = 1,
    ) -> int:
        """Replace the whole index with ``docs`` (ids should be unique; repeats
        are skipped).

        One writer streams all batches and swaps them in with a single commit:
        searchers keep seeing the old index until the new one is complete, and a
        crash leaves the old one intact. Memory stays bounded by the writer's
        pool size, not the number of documents. With ``procs`` = 1 the result
        is a single segment, i.e. already optimized. An unreadable index is
        recreated first.

        ``procs`` > 1 analyzes and writes in that many forked processes (one
        segment each; about 1.9x faster on two idle cores). Forking is only
        safe where no other thread holds locks, so it is meant for command-line
        and batch rebuilds, not for a rebuild inside a serving process. A worker
        that dies loses its documents silently in Whoosh, so the result is
        counted and a shortfall raises :class:`IndexCorrupt`.
        """
        with self._locked():
            try:
                self._verify(self._ix)
            except Exception as exc:
                log.warning("recreating search index at %s before rebuild: %r", self.path, exc)
                self._ix = self._create()
            seen: set[str] = set()
            with self._writer(mergetype=writing.CLEAR, procs=procs) as writer:
                for batch in _batched(docs, self.batch_size):
                    for fields in map(_to_fields, batch):
                        if fields["id"] not in seen:
                            seen.add(fields["id"])
                            writer.add_document(**fields)
                    if progress:
                        progress(len(seen))
            if procs > 1 and self.count() != len(seen):
                raise IndexCorrupt(
                    f"parallel rebuild of {self.path} indexed {self.count()} of {len(seen)} documents"
                )
            return len(seen)

    # --- reading ------------------------------------------------------------

    def _current(self):
        """This thread's searcher on the latest generation, reopened only when
        the index changed (Whoosh searchers must not be shared across threads).
        """
        ix, epoch = self._ix, self._epoch
        generation = ix.latest_generation()
        held = getattr(self._local, "held", None)
        if held is not None and held[0] == (epoch, generation):
            return held[0], held[1]
        if held is not None:
            self._local.held = None
            held[1].close()
        for attempt in range(3):
            try:
                searcher = ix.searcher()
                break
            except FileNotFoundError:
                # Another process committed and removed the generation we
                # were opening: open the new one.
                if attempt == 2:
                    raise
        key = (epoch, searcher.reader().generation())
        self._local.held = (key, searcher)
        return key, searcher

    @contextmanager
    def _searcher(self):
        try:
            yield self._current()[1]
        except _CORRUPTION as exc:
            self._drop_searcher()
            raise IndexCorrupt(f"search index at {self.path} failed: {exc!r}") from exc

    @contextmanager
    def _session(self):
        """(searcher, its document-set view) for one request."""
        try:
            key, searcher = self._current()
            yield searcher, self._view(key, searcher)
        except _CORRUPTION as exc:
            self._drop_searcher()
            raise IndexCorrupt(f"search index at {self.path} failed: {exc!r}") from exc

    def _drop_searcher(self) -> None:
        held = getattr(self._local, "held", None)
        self._local.held = None
        if held is not None:
            try:
                held[1].close()
            except Exception:
                pass

    def _view(self, key: tuple, searcher) -> _View:
        """The document-set view of one generation, shared by all threads
        (the two latest are kept: threads switch generations one by one)."""
        with self._state_lock:
            view = self._views.get(key)
            if view is None:
                view = self._views[key] = _View(key, searcher.reader())
                while len(self._views) > 2:
                    self._views.popitem(last=False)
            return view

    def clear_cache(self) -> None:
        """Forget cached answers and document sets (they are rebuilt on demand)."""
        with self._state_lock:
            self._cache.clear()
            self._views.clear()

    def _cached(self, key: tuple):
        if self.cache_size <= 0:
            return None
        with self._state_lock:
            value = self._cache.get(key)
            if value is not None:
                self._cache.move_to_end(key)
            return value

    def _remember(self, key: tuple, value) -> None:
        if self.cache_size <= 0:
            return
        with self._state_lock:
            if self._cache_generation != key[0]:  # old answers are stale
                self._cache.clear()
                self._cache_generation = key[0]
            self._cache[key] = value
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

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
        levels = _levels(visibility)
        page = max(1, int(page))
        per_page = min(max(1, int(per_page)), MAX_PER_PAGE)
        wanted = _normalize_filters(filters or {})
        if not levels:
            return SearchResults(0, page, per_page)
        text = (query or "").strip()[:MAX_QUERY_CHARS]
        with self._session() as (s, view):
            key = (view.key, "search", text, wanted, levels, page, per_page, sort)
            cached = self._cached(key)
            if cached is not None:
                return _copy(cached)
            # Second attempt: plain words, in case Whoosh chokes on the syntax.
            for attempt in dict.fromkeys((text, " ".join(_WORD.findall(text)))):
                try:
                    user_q = parse(self._parser, attempt) if attempt else wq.NullQuery
                    results = self._run(s, view, text, user_q, levels, wanted, page, per_page, sort)
                except _CORRUPTION:
                    raise
                except Exception:
                    log.exception("search failed for %r", attempt)
                    continue
                self._remember(key, results)
                return _copy(results)
            return SearchResults(0, page, per_page)

    def _run(self, s, view, text, user_q, levels, wanted, page, per_page, sort) -> SearchResults:
        browse = user_q is wq.NullQuery
        vocab = _vocab_fields(levels)
        reader = s.reader()
        allowed = view.allowed(reader, levels, wanted)
        by_date = browse or sort == "date"
        limit = page * per_page
        ranked = None
        if browse:
            matched = allowed
        else:
            user_q = expand_prefixes(user_q, reader, vocab)
            if by_date or view.algebraic(user_q):
                matched = view.bits(s, user_q) & allowed
            else:
                # Phrases and the like: one Whoosh pass both finds and ranks.
                results = s.search(user_q, limit=None, filter=view.members(allowed))
                ranked = [results.docnum(i) for i in range(results.scored_length())]
                matched = view.from_docnums(ranked)
        if not matched:
            ranked = []
        elif by_date:
            ranked = view.newest(reader, matched, limit)
        elif ranked is None:
            ranked = view.ranked(s, user_q, matched, limit)
        if ranked is None:
            results = s.search(user_q, limit=limit, filter=view.members(matched))
            ranked = [results.docnum(i) for i in range(results.scored_length())]
        terms = frozenset() if browse else field_terms(user_q, "text")
        hits = [_hit(s.stored_fields(n), terms) for n in ranked[(page - 1) * per_page : limit]]
        facets = view.facets(reader, matched)
        suggestion = None
        if not browse:
            visible = view.visible_test(s, allowed)
            suggestion = suggest(s, self._parser, text, vocab, visible)
        return SearchResults(view.count(matched), page, per_page, hits, facets, suggestion)

    def more_like(
        self, doc_id: str, *, visibility: Collection[str] | str = PUBLIC_ONLY, limit: int = 5
    ) -> list[Hit]:
        """Documents similar to ``doc_id`` ("más como esto"), best first.

        Similar means sharing the source document's key terms (Whoosh's Bo1
        expansion model over its title, description and stored text), searched
        in titles and bodies. Both the source and the results must be visible
        to ``visibility``: a source the caller may not see gives ``[]``, like
        an unknown id. The source itself is never among the results.
        """
        levels = _levels(visibility)
        limit = min(max(0, int(limit)), MAX_SIMILAR)
        if not levels or not limit or doc_id in (None, ""):
            return []
        with self._session() as (s, view):
            key = (view.key, "more_like", str(doc_id), levels, limit)
            cached = self._cached(key)
            if cached is not None:
                return list(cached)
            allowed = view.allowed(s.reader(), levels, ())
            source = s.document_number(id=str(doc_id))
            if source is None or not view.contains(allowed, source):
                return []
            stored = s.stored_fields(source)
            text = "\n".join(
                stored.get(k) or "" for k in ("title", "description", "excerpt")
            )
            terms = s.key_terms_from_text("text", text, numterms=12) if text.strip() else []
            if not terms:
                return []
            q = wq.Or([
                wq.Term(name, term, boost=weight * FIELD_BOOSTS[name])
                for term, weight in terms
                for name in ("title", "text")
            ])
            candidates = view.bits(s, q) & allowed & ~view.single(source)
            ranked = view.ranked(s, q, candidates, limit) if candidates else []
            if ranked is None:
                results = s.search(q, limit=limit, filter=view.members(candidates))
                ranked = [results.docnum(i) for i in range(results.scored_length())]
            hits = [_hit(s.stored_fields(n), frozenset()) for n in ranked]
            hits = [h for h in hits if h.id != str(doc_id)]
            self._remember(key, hits)
            return list(hits)

    def highlight(self, text: str, query: str, *, max_chars: int = 200_000) -> str:
        """``text`` (at most ``max_chars`` characters) as safe HTML: all of it
        escaped, newlines kept, and every word matching ``query`` the way the
        search does (accents, plurals, prefixes; not excluded words) wrapped
        in ``<mark>``. Never raises: on any trouble the text comes back
        escaped but unmarked.
        """
        try:
            text = (text if isinstance(text, str) else str(text or ""))[: max(0, int(max_chars))]
        except Exception:
            return ""
        try:
            q = parse(self._parser, (query or "").strip()[:MAX_QUERY_CHARS]) if query else wq.NullQuery
            if q is not wq.NullQuery:
                terms, prefixes = wanted_terms(q)
                if terms or prefixes:
                    return mark(text, terms, prefixes)
        except Exception:
            log.exception("highlight failed for %r", query)
        return html.escape(text, quote=False)


class _Members(DocIdSet):
    """A document set as Whoosh's collectors want it (``docnum in set``)."""

    def __init__(self, data: bytes):
        self._data = data

    def __contains__(self, docnum) -> bool:
        return 0 <= docnum < len(self._data) and self._data[docnum] == 1

    def __iter__(self):
        return compress(count(), self._data)

    def __len__(self) -> int:
        return self._data.count(1)

    def __bool__(self) -> bool:
        # Whoosh drops a falsy filter altogether: an empty set must still filter.
        return True


class _View:
    """Document sets and postings of one index generation, for the searches on it.

    A set is a Python int with one byte per document: byte ``n`` is 1 when
    document number ``n`` is in it. Union, intersection, difference and
    ``bit_count`` then run in C over ``size`` bytes, and bytes convert back
    to document numbers with ``itertools.compress``. A byte rather than a bit
    per document makes building a set from postings a plain byte store.

    Each term's postings (document numbers and weights, then its set) are
    read once and kept (LRU, bounded by :data:`TERM_CACHE_BYTES`). Deleted
    documents are removed by ``live``, which every visible set includes.

    Relevance is Whoosh's own BM25F, summed over the query's terms exactly as
    its matchers do, but computed from the cached postings for the matching
    documents only: Whoosh's matcher trees cost several microseconds per
    document and field, which at 10^5 documents is most of a search.
    """

    def __init__(self, key: tuple, reader):
        self.key = key
        self.size = reader.doc_count_all()
        self.all = int.from_bytes(b"\x01" * self.size, "little")
        self.live = self._live(reader)
        self._terms: OrderedDict[tuple, _Postings] = OrderedDict()
        self._term_bytes = 0
        self._allowed: dict[tuple, int] = {}
        self._phrases: OrderedDict[tuple, int] = OrderedDict()
        self._facets: dict[str, dict[str, int]] | None = None
        self._lengths: dict[str, bytes] = {}
        self._dates: list[int] | None = None
        self._by_date: list[int] | None = None
        self._lock = threading.Lock()

    def _live(self, top) -> int:
        data = bytearray(self.size)
        for reader, offset in _leaves(top):
            n = reader.doc_count_all()
            if reader.has_deletions():
                for docnum in reader.all_doc_ids():
                    data[offset + docnum] = 1
            else:
                data[offset : offset + n] = b"\x01" * n
        return int.from_bytes(data, "little")

    # Readers are passed in, not kept: each thread reads with its own.

    # --- building sets ------------------------------------------------------

    def from_docnums(self, docnums: Iterable[int]) -> int:
        data = bytearray(self.size)
        for docnum in docnums:
            data[docnum] = 1
        return int.from_bytes(data, "little")

    def single(self, docnum: int) -> int:
        return 1 << (8 * docnum)

    def postings(self, reader, fieldname: str, text) -> _Postings:
        key = (fieldname, text)
        with self._lock:
            entry = self._terms.get(key)
            if entry is not None:
                self._terms.move_to_end(key)
                return entry
        entry = self._read_postings(reader, fieldname, text)
        with self._lock:
            if key not in self._terms:
                self._terms[key] = entry
                self._term_bytes += entry.nbytes(self.size)
            while self._term_bytes > TERM_CACHE_BYTES and len(self._terms) > 1:
                _, old = self._terms.popitem(last=False)
                self._term_bytes -= old.nbytes(self.size)
        return entry

    def term(self, reader, fieldname: str, text) -> int:
        entry = self.postings(reader, fieldname, text)
        if entry.bits is None:
            entry.bits = self.from_docnums(entry.ids) if entry.ids else 0
        return entry.bits

    def _read_postings(self, top, fieldname: str, text) -> _Postings:
        ids, weights = array("I"), array("f")
        schema = top.schema
        if fieldname not in schema:
            return _Postings(ids, weights)
        try:
            btext = schema[fieldname].to_bytes(text) if isinstance(text, str) else text
        except ValueError:
            return _Postings(ids, weights)
        for reader, offset in _leaves(top):
            if (fieldname, btext) not in reader:
                continue
            m = reader.postings(fieldname, btext)
            if isinstance(m, FilterMatcher):
                m = m.child  # deleted documents: removed later by ``live``
            _read_matcher(m, offset, ids, weights)
        return _Postings(ids, weights)

    def allowed(self, reader, levels: frozenset[str], filters: tuple) -> int:
        """Live documents of the visibility ``levels`` that pass ``filters``."""
        key = (levels, filters)
        bits = self._allowed.get(key)
        if bits is None:
            bits = 0
            for level in sorted(levels):
                bits |= self.term(reader, "visibility", level)
            for name, values in filters:
                any_value = 0
                for value in values:
                    any_value |= self.term(reader, name, value)
                bits &= any_value
            bits &= self.live
            if len(self._allowed) > 256:
                self._allowed.clear()
            self._allowed[key] = bits
        return bits

    # --- queries --------------------------------------------------------------

    def algebraic(self, q) -> bool:
        """Whether :meth:`bits` and :meth:`ranked` handle ``q`` from term
        postings alone (phrases, for one, need positions)."""
        kind = type(q)
        if kind is wq.Term or q is wq.NullQuery:
            return True
        if kind is wq.Every:
            return not q.fieldname
        if kind is wq.Phrase:
            return True
        if kind is wq.Or and (q.minmatch or q.scale):
            return False
        if kind in (wq.And, wq.Or, wq.Require, wq.AndNot, wq.AndMaybe, wq.Not):
            return all(self.algebraic(c) for c in q.children())
        return False

    def bits(self, searcher, q) -> int:
        """Documents matching ``q`` (deleted ones possibly included)."""
        kind = type(q)
        if q is wq.NullQuery:
            return 0
        if kind is wq.Term:
            return self.term(searcher.reader(), q.fieldname, q.text)
        if kind is wq.Phrase:
            return self.phrase(searcher, q)
        if kind is wq.Every and not q.fieldname:
            return self.live
        if kind in (wq.And, wq.Require):
            result = self.all
            for child in q.children():
                if type(child) is wq.Not:
                    result &= ~self.bits(searcher, child.query)
                else:
                    result &= self.bits(searcher, child)
                if not result:
                    break
            return result
        if kind is wq.Or and not (q.minmatch or q.scale):
            result = 0
            for child in q.children():
                result |= self.bits(searcher, child)
            return result
        if kind is wq.Not:
            return self.all & ~self.bits(searcher, q.query)
        if kind is wq.AndNot:
            return self.bits(searcher, q.a) & ~self.bits(searcher, q.b)
        if kind is wq.AndMaybe:
            return self.bits(searcher, q.a)
        # Anything else: Whoosh's own matcher.
        return self.from_docnums(searcher.docs_for_query(q))

    def phrase(self, searcher, q) -> int:
        """Documents with the words of ``q`` in order, each within ``slop``
        positions after the previous one (Whoosh's SpanNear2 semantics): the
        candidates come from the term sets, positions are decoded only for
        them."""
        key = (q.fieldname, tuple(q.words), q.slop)
        found = self._phrases.get(key)
        if found is not None:
            return found
        reader = searcher.reader()
        field = reader.schema[q.fieldname] if q.fieldname in reader.schema else None
        if field is None or not q.words:
            return 0
        if not (field.format and field.format.supports("positions")):
            return self.from_docnums(searcher.docs_for_query(q))
        candidates = self.live
        for word in q.words:
            candidates &= self.term(reader, q.fieldname, word)
            if not candidates:
                break
        result = 0
        if candidates:
            data = candidates.to_bytes(self.size, "little")
            positions = {
                w: _positions(reader, q.fieldname, w, data, field.format) for w in set(q.words)
            }
            first, rest = positions[q.words[0]], [positions[w] for w in q.words[1:]]
            slop = max(1, q.slop)
            matched = bytearray(self.size)
            for d in compress(count(), data):
                ends = first[d]
                for following in rest:
                    if slop == 1:
                        ends = {e + 1 for e in ends}.intersection(following[d])
                    else:
                        ends = {x for x in following[d] if any(0 < x - e <= slop for e in ends)}
                    if not ends:
                        break
                else:
                    matched[d] = 1
            result = int.from_bytes(matched, "little")
        with self._lock:
            self._phrases[key] = result
            while len(self._phrases) > 64:
                self._phrases.popitem(last=False)
        return result

    def ranked(self, searcher, q, matched: int, limit: int) -> list[int] | None:
        """The ``limit`` best documents of ``matched`` for the algebraic query
        ``q`` by Whoosh's BM25F (same formula, statistics and tie order:
        lower document number first); ``None`` under another weighting."""
        weighting = searcher.weighting
        if type(weighting) is not scoring.BM25F:
            return None
        reader = searcher.reader()
        data = matched.to_bytes(self.size, "little")
        masks = {matched: data}
        scores: dict[int, float] = {}
        get = scores.get
        k1 = weighting.K1
        for fieldname, text, boost, mask in self._scoring_terms(searcher, q, matched):
            if not mask:
                continue
            if mask not in masks:
                masks[mask] = mask.to_bytes(self.size, "little")
            data = masks[mask]
            if fieldname is None:
                for d in compress(count(), data):
                    scores[d] = get(d, 0.0) + boost
                continue
            entry = self.postings(reader, fieldname, text)
            if not entry.ids:
                continue
            if not reader.schema[fieldname].scorable:
                for d, w in zip(entry.ids, entry.weights):
                    if data[d]:
                        scores[d] = get(d, 0.0) + w * boost
                continue
            idf = searcher.idf(fieldname, text)
            avgfl = searcher.avg_field_length(fieldname) or 1
            b = weighting._field_B.get(fieldname, weighting.B)
            norm = [k1 * ((1 - b) + b * byte_to_length(i) / avgfl) for i in range(256)]
            lengths = self.lengths(reader, fieldname)
            for d, w in zip(entry.ids, entry.weights):
                if data[d]:
                    scores[d] = get(d, 0.0) + (idf * ((w * (k1 + 1)) / (w + norm[lengths[d]]))) * boost
        top = heapq.nlargest(limit, scores, key=lambda d: (scores[d], -d))
        if len(top) < limit:  # matched without a scoring term (e.g. only NOT)
            rest = (d for d in compress(count(), masks[matched]) if d not in scores)
            top += islice(rest, limit - len(top))
        return top

    def _scoring_terms(self, searcher, q, mask: int, boost: float = 1.0):
        """(field, text, boost, documents) for each term whose score Whoosh
        adds up for ``q``, where documents are those of ``mask`` for which the
        term's enclosing subqueries all match (an OR adds the score of a
        conjunctive branch only where that whole branch matches). A field of
        None stands for a constant score ``boost``."""
        kind = type(q)
        boost *= q.boost
        if kind is wq.Term:
            yield q.fieldname, q.text, boost, mask
        elif kind is wq.Phrase:
            # Whoosh scores a phrase as the intersection of its terms.
            for word in q.words:
                yield q.fieldname, word, boost, mask
        elif kind is wq.Or:
            for child in q.children():
                sub = mask if type(child) in (wq.Term, wq.Or) else mask & self.bits(searcher, child)
                yield from self._scoring_terms(searcher, child, sub, boost)
        elif kind is wq.And:
            for child in q.children():
                if type(child) is wq.Not:
                    # Whoosh intersects with an inverse matcher scoring 1.0.
                    yield None, None, boost, mask
                else:
                    yield from self._scoring_terms(searcher, child, mask, boost)
        elif kind is wq.AndMaybe:
            yield from self._scoring_terms(searcher, q.a, mask, boost)
            yield from self._scoring_terms(searcher, q.b, mask & self.bits(searcher, q.b), boost)
        elif kind in (wq.Require, wq.AndNot):
            yield from self._scoring_terms(searcher, q.a, mask, boost)

    def lengths(self, top, fieldname: str) -> bytes:
        """Each document's length byte for ``fieldname`` (Whoosh's BM25 input)."""
        found = self._lengths.get(fieldname)
        if found is None:
            data = bytearray(self.size)
            for reader, offset in _leaves(top):
                n = reader.doc_count_all()
                data[offset : offset + n] = _column_bytes(reader, fieldname)
            found = self._lengths[fieldname] = bytes(data)
        return found

    def visible_test(self, searcher, allowed: int) -> Callable[[object], bool]:
        """``visible(q)``: does ``q`` match any document in ``allowed``? Stops
        at the first one, so a common word costs one posting."""
        data = allowed.to_bytes(self.size, "little")

        def visible(q) -> bool:
            return any(data[n] for n in searcher.docs_for_query(q))

        return visible

    # --- reading sets -------------------------------------------------------

    def count(self, bits: int) -> int:
        return bits.bit_count()

    def contains(self, bits: int, docnum: int) -> bool:
        return bool((bits >> (8 * docnum)) & 1)

    def members(self, bits: int) -> _Members:
        return _Members(bits.to_bytes(self.size, "little"))

    def facets(self, reader, matched: int) -> dict[str, dict[str, int]]:
        if self._facets is None:
            self._facets = {
                name: {
                    value: self.term(reader, name, value)
                    for value in (reader.schema[name].from_bytes(b) for b in reader.lexicon(name))
                }
                if self.size
                else {}
                for name in FACETS
            }
        out = {}
        for name, values in self._facets.items():
            counts = {}
            if matched:
                for value, bits in values.items():
                    n = (matched & bits).bit_count()
                    if n and value not in (None, ""):
                        counts[str(value)] = n
            out[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return out

    def _date_keys(self, top) -> list[int]:
        if self._dates is None:
            keys = [0] * self.size
            for reader, offset in _leaves(top):
                if reader.has_column("date"):
                    keys[offset : offset + reader.doc_count_all()] = _date_column(reader)
            self._dates = keys
        return self._dates

    def newest(self, reader, matched: int, limit: int) -> list[int]:
        """The ``limit`` newest documents of ``matched`` (undated last)."""
        dates = self._date_keys(reader)
        data = matched.to_bytes(self.size, "little")
        found = self.count(matched)
        if found * found > limit * self.size:
            # Dense: walk all documents newest first until enough are found.
            if self._by_date is None:
                self._by_date = sorted(range(self.size), key=dates.__getitem__, reverse=True)
            return list(islice((n for n in self._by_date if data[n]), limit))
        return heapq.nlargest(limit, compress(count(), data), key=dates.__getitem__)


class _Postings:
    """One term's postings across segments (global document numbers)."""

    __slots__ = ("ids", "weights", "bits")

    def __init__(self, ids: array, weights: array):
        self.ids, self.weights, self.bits = ids, weights, None

    def nbytes(self, size: int) -> int:
        return 8 * len(self.ids) + size + 100


def _read_matcher(m, offset: int, ids: array, weights: array) -> None:
    """Append a term's postings, a block at a time where the codec allows it
    (per-posting matcher calls cost several times more)."""
    if type(m) is not W3LeafMatcher:
        while m.is_active():
            ids.append(m.id() + offset)
            weights.append(m.weight())
            m.next()
        return
    while m.is_active():
        m._read_ids()
        m._read_weights()
        ids.extend([d + offset for d in m._ids] if offset else m._ids)
        weights.extend(m._weights)
        m._next_block()


def _positions(top, fieldname: str, text: str, wanted: bytes, fmt) -> dict[int, list[int]]:
    """Positions of ``text`` in the documents marked in ``wanted``."""
    out: dict[int, list[int]] = {}
    btext = top.schema[fieldname].to_bytes(text)
    decode = fmt.decode_positions
    for reader, offset in _leaves(top):
        if (fieldname, btext) not in reader:
            continue
        m = reader.postings(fieldname, btext)
        if isinstance(m, FilterMatcher):
            m = m.child
        if type(m) is not W3LeafMatcher:
            while m.is_active():
                if wanted[m.id() + offset]:
                    out[m.id() + offset] = decode(m.value())
                m.next()
            continue
        while m.is_active():
            m._read_ids()
            m._read_values()
            for d, value in zip(m._ids, m._values):
                if wanted[d + offset]:
                    out[d + offset] = decode(value)
            m._next_block()
    return out


def _column_bytes(reader, fieldname: str) -> bytes:
    """A segment's length bytes for ``fieldname``, read in one go."""
    n = reader.doc_count_all()
    perdoc = getattr(reader, "_perdoc", None)
    name = f"_{fieldname}_len"
    if perdoc is None:
        return bytes(length_to_byte(reader.doc_field_length(d, fieldname, 0) or 0) for d in range(n))
    if not perdoc.has_column(name):
        return bytes(n)
    column = perdoc.column_reader(name, LENGTHS_COLUMN)
    raw = column._dbfile.get(column._basepos, column._count)
    return raw + bytes(n - len(raw))


def _date_column(reader) -> list[int]:
    """A segment's date sort keys, read in one go."""
    n = reader.doc_count_all()
    column = reader.column_reader("date", translate=False)
    if not hasattr(column, "_unpack") or column._fixedlen != 8:
        return list(column)
    raw = column._dbfile.get(column._basepos, 8 * column._count)
    values = list(struct.unpack(f"!{column._count}Q", raw))
    return values + [column._default] * (n - len(values))


def _leaves(reader) -> list[tuple]:
    return list(reader.leaf_readers()) if reader.doc_count_all() else []


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
    vocab = "vocab_public" if visibility == PUBLIC else "vocab_restricted"
    fields[vocab] = _vocabulary(*searchable.values())
    return fields


def _levels(visibility: Collection[str] | str) -> frozenset[str]:
    return frozenset({visibility} if isinstance(visibility, str) else visibility)


def _vocab_fields(levels: frozenset[str]) -> tuple[str, ...]:
    """Spelling vocabularies of the documents ``levels`` may see."""
    fields = []
    if PUBLIC in levels:
        fields.append("vocab_public")
    if levels - PUBLIC_ONLY:
        fields.append("vocab_restricted")
    return tuple(fields)


def _normalize_filters(filters: dict) -> tuple:
    """Filters as a hashable, canonical value: ((name, (value, ...)), ...)."""
    unknown = filters.keys() - set(FACETS)
    if unknown:
        raise ValueError(f"unknown filters: {sorted(unknown)}")
    out = []
    for name, value in filters.items():
        values = [value] if isinstance(value, (str, int)) else list(value or ())
        values = sorted({str(v) for v in values if v not in (None, "")})
        if values:
            out.append((name, tuple(values)))
    return tuple(sorted(out))


def _copy(results: SearchResults) -> SearchResults:
    """A cached answer handed out without sharing its mutable parts."""
    return dataclasses.replace(
        results,
        hits=list(results.hits),
        facets={k: dict(v) for k, v in results.facets.items()},
    )


def _hit(stored: dict, terms: frozenset[str]) -> Hit:
    excerpt = stored.get("excerpt") or ""
    when = stored.get("date")
    return Hit(
        id=stored["id"],
        title=stored.get("title") or "",
        milestone=stored.get("milestone"),
        means=stored.get("means"),
        date=when.date() if when else None,
        file_type=stored.get("file_type"),
        snippet=(terms and snippet(excerpt, terms))
        or plain_snippet(excerpt or stored.get("description") or ""),
    )
