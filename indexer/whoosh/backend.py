"""The Whoosh backend of the search contract (:class:`indexer.SearchBackend`).

Speed, at 10^5 documents in pure Python, comes from

- one long-lived searcher per thread, reopened only when the index generation
  changes (opening one costs a read of the table of contents);
- document sets as Python ints with one byte per document
  (:mod:`.docsets`): each term's postings are read once per generation;
  boolean queries, phrases, visibility, filters, totals and facet counts are
  C-speed ``&``, ``|`` and ``bit_count``; relevance is Whoosh's BM25F
  computed from the cached postings for the matching documents only
  (:mod:`.ranking`), and date order needs no scoring at all;
- a small result cache keyed by everything that changes an answer, the index
  generation and the caller's visibility included.

Typical start-up::

    index = WhooshBackend(path, reset_if_corrupt=True)
    if index.created:                      # new or reset: fill from the database
        index.rebuild(documents_from_db(), progress=print)
"""

from __future__ import annotations

import dataclasses
import html
import logging
import os
import pickle
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh import query as wq

from ..contract import (
    MAX_PER_PAGE,
    MAX_QUERY_CHARS,
    MAX_SIMILAR,
    PUBLIC_ONLY,
    Document,
    Hit,
    IndexCorrupt,
    SearchFailed,
    SearchResults,
    Visibility,
)
from ..documents import Filters, check_sort, normalize_filters, visibility_levels
from ..snippets import mark, plain_snippet, snippet
from .docsets import DocSets, SegmentPostings, leaves
from .query import expand_prefixes, field_terms, make_parser, parse, wanted_terms
from .ranking import ranked
from .schema import FIELD_BOOSTS, build_schema, vocab_fields
from .suggest import suggest
from .writer import IndexStore

__all__ = ["CACHE_SIZE", "WhooshBackend"]

log = logging.getLogger(__name__)

CACHE_SIZE = 512
# What a damaged or vanished index raises while being read.
_CORRUPTION = (
    OSError, EOFError, struct.error, zlib.error, pickle.UnpicklingError, index.IndexError
)


class WhooshBackend:
    """One Whoosh index directory: open-or-create, write, search."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        reset_if_corrupt: bool = False,
        lock_timeout: float = 60.0,
        batch_size: int = 500,
        cache_size: int = CACHE_SIZE,
    ):
        """Open the index at ``path``, creating an empty one if there is none.

        ``created`` is True when the index was just created or reset, i.e. it
        is empty and should be rebuilt from the database. An index of an older
        schema version (``schema.SCHEMA_VERSION``) is reset, whatever
        ``reset_if_corrupt`` says; an unreadable one, or one of a newer schema
        or another analyzer, raises :class:`IndexCorrupt` unless
        ``reset_if_corrupt``.
        ``cache_size`` answers are remembered per index generation (0: none).
        """
        self.path = Path(path)
        self.cache_size = cache_size
        self._local = threading.local()
        self._sets: OrderedDict[tuple, DocSets] = OrderedDict()
        self._segments = SegmentPostings()
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self._cache_generation: tuple | None = None
        self._state_lock = threading.Lock()
        self._store = IndexStore(
            path,
            reset_if_corrupt=reset_if_corrupt,
            lock_timeout=lock_timeout,
            batch_size=batch_size,
            on_commit=self._forget_generation,
        )
        # Not the index's own schema: that rereads the table of contents, which
        # a concurrent commit may just have replaced (and verify vouched for it).
        self._parser = make_parser(build_schema())

    @property
    def created(self) -> bool:
        return self._store.created

    # --- writing ------------------------------------------------------------

    def add(self, docs: Iterable[Document]) -> int:
        """Add or replace documents by ``id``; commits every ``batch_size``.

        Each batch is validated before it is written; a bad document raises
        ``ValueError`` and earlier batches stay committed.
        """
        return self._store.add(docs)

    def delete(self, ids: Iterable[str | int]) -> int:
        """Delete documents by id; returns how many were found."""
        return self._store.delete(ids)

    def rebuild(
        self,
        docs: Iterable[Document],
        progress: Callable[[int], None] | None = None,
        *,
        procs: int = 1,
    ) -> int:
        """Replace the whole index with ``docs`` (repeated ids: the first is kept).

        New segments are written beside the current ones and swapped in with a
        single commit: searchers keep seeing the old index until the new one is
        complete, and a failure (a bad document raises ``ValueError``) leaves
        the old one intact. Postings are grouped in memory per term (bounded:
        past ``writer.REBUILD_MEMORY`` a segment is closed and another begun)
        and written with Whoosh's own codec, byte for byte what its writer
        makes, without its sorting pool. An unreadable index is recreated first.

        ``procs`` > 1 writes in that many spawned processes (a segment or more
        each), fed batches through a queue; a process that dies fails the
        rebuild with :class:`IndexCorrupt`. Like any spawn, it needs the
        calling script's ``if __name__ == "__main__"`` guard.
        """
        return self._store.rebuild(docs, progress, procs, self.count)

    # --- searchers, document sets and caches ----------------------------------

    def _current(self) -> tuple[tuple, Any]:
        """This thread's searcher on the latest generation, reopened only when
        the index changed (Whoosh searchers must not be shared across threads).
        """
        ix, epoch = self._store.ix, self._store.epoch
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
    def _session(self, action: str, detail: object, hold: bool = True) -> Iterator[tuple[Any, DocSets]]:
        """(searcher, its document sets) for one request. ``hold=False`` for
        a thread that may not search again (start-up, checks): a searcher it
        kept would keep merged-away segment files open, and on disk.

        A damaged index raises :class:`IndexCorrupt`; any other failure of the
        engine is logged and raised as :class:`SearchFailed`, never turned into
        an empty answer.
        """
        try:
            key, searcher = self._current()
            yield searcher, self._docsets(key, searcher)
            if not hold:
                self._drop_searcher()
        except _CORRUPTION as exc:
            self._drop_searcher()
            raise IndexCorrupt(f"search index at {self.path} failed: {exc!r}") from exc
        except (IndexCorrupt, SearchFailed):
            raise
        except Exception as exc:
            log.exception("search index at %s failed on %s %r", self.path, action, detail)
            raise SearchFailed(f"the search engine failed on {action} {detail!r}: {exc!r}") from exc

    def _drop_searcher(self) -> None:
        held = getattr(self._local, "held", None)
        self._local.held = None
        if held is not None:
            try:
                held[1].close()
            except Exception:  # already broken: closing is best effort
                log.debug("closing a broken searcher failed", exc_info=True)

    def _docsets(self, key: tuple, searcher: Any) -> DocSets:
        """The document sets of one generation, shared by all threads (the two
        latest are kept: threads switch generations one by one)."""
        with self._state_lock:
            sets = self._sets.get(key)
            if sets is None:
                sets = self._sets[key] = DocSets(key, searcher.reader(), self._segments)
                while len(self._sets) > 2:
                    self._sets.popitem(last=False)
            return sets

    def clear_cache(self) -> None:
        """Forget cached answers, document sets and segments' postings (they
        are rebuilt on demand)."""
        self._forget_generation()
        self._segments.clear()

    def _forget_generation(self) -> None:
        """After a commit: answers and sets of older generations are stale;
        the postings of the segments they shared stay true."""
        with self._state_lock:
            self._cache.clear()
            self._sets.clear()

    def _cached(self, key: tuple) -> Any:
        if self.cache_size <= 0:
            return None
        with self._state_lock:
            value = self._cache.get(key)
            if value is not None:
                self._cache.move_to_end(key)
            return value

    def _remember(self, key: tuple, value: Any) -> None:
        if self.cache_size <= 0:
            return
        with self._state_lock:
            if self._cache_generation != key[0]:  # old answers are stale
                self._cache.clear()
                self._cache_generation = key[0]
            self._cache[key] = value
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def warm(self) -> int:
        """The public's visibility set, the facet sets and the postings of the
        most frequent words (:meth:`SegmentPostings.warm`), read ahead."""
        with self._session("warm", None, hold=False) as (s, sets):
            reader = s.reader()
            sets.allowed(reader, PUBLIC_ONLY, ())
            sets.facets(reader, 0)
            return self._segments.warm(reader, FIELD_BOOSTS)

    def close(self) -> None:
        """Close this thread's searcher and forget cached sets (other threads'
        searchers close when their threads end)."""
        self._drop_searcher()
        self.clear_cache()

    # --- reading ------------------------------------------------------------

    def count(self) -> int:
        """Live documents: those with a visibility, which the vocabulary
        documents a rebuild writes have not (C-speed, cached per generation)."""
        with self._session("count", None, hold=False) as (s, sets):
            reader = s.reader()
            levels = frozenset(reader.schema["visibility"].from_bytes(b) for b in reader.lexicon("visibility"))
            return sets.count(sets.allowed(reader, levels, ()))

    def doc_ids(self) -> set[str]:
        """Ids of all live documents, for drift checks against the database.

        Read segment by segment: a segment a parallel rebuild filled with
        vocabulary documents only has no id column, and Whoosh's multi-segment
        column reader then misnumbers the segments after it."""
        with self._session("doc_ids", None, hold=False) as (s, _):
            ids: set[str] = set()
            for reader, _offset in leaves(s.reader()):
                if reader.has_column("id"):
                    column = reader.column_reader("id")
                    ids.update(column[n] for n in reader.all_doc_ids())
            ids.discard("")
            return ids

    def doc_states(self) -> dict[str, dict[str, str]]:
        with self._session("doc_states", None, hold=False) as (s, _):
            return {str(f["id"]): {"visibility": f.get("visibility") or "", "title": f.get("title") or "",
                                   "commitment": f.get("commitment") or ""}
                    for f in s.reader().all_stored_fields() if f.get("id")}

    def search(
        self,
        query: str,
        *,
        visibility: Visibility,
        filters: Mapping[str, object] | None = None,
        page: int = 1,
        per_page: int = 20,
        sort: str = "relevance",
    ) -> SearchResults:
        """Search what ``visibility`` allows (see :class:`indexer.SearchBackend`).

        Bad query syntax is searched as its plain words; an engine failure
        raises :class:`SearchFailed`.
        """
        check_sort(sort)
        levels = visibility_levels(visibility)
        page = max(1, int(page))
        per_page = min(max(1, int(per_page)), MAX_PER_PAGE)
        wanted = normalize_filters(filters)
        if not levels:
            return SearchResults(0, page, per_page)
        text = _clean(query)
        with self._session("search", text) as (s, sets):
            key = (sets.key, "search", text, wanted, levels, page, per_page, sort)
            cached = self._cached(key)
            if cached is not None:
                return _copy(cached)
            user_q = parse(self._parser, text) if text else wq.NullQuery
            results = self._run(s, sets, text, user_q, levels, wanted, page, per_page, sort)
            self._remember(key, results)
            return _copy(results)

    def _run(
        self, s: Any, sets: DocSets, text: str, user_q: wq.Query, levels: frozenset[str],
        wanted: Filters, page: int, per_page: int, sort: str,
    ) -> SearchResults:
        browse = user_q is wq.NullQuery
        vocab = vocab_fields(levels)
        reader = s.reader()
        allowed = sets.allowed(reader, levels, wanted)
        by_date = browse or sort == "date"
        limit = page * per_page
        order: list[int] | None = None
        if browse:
            matched = allowed
        else:
            user_q = expand_prefixes(user_q, reader, vocab)
            if by_date or sets.algebraic(user_q):
                matched = sets.bits(s, user_q) & allowed
            else:
                # Phrases and the like: one Whoosh pass both finds and ranks.
                found = s.search(user_q, limit=None, filter=sets.members(allowed))
                order = [found.docnum(i) for i in range(found.scored_length())]
                matched = sets.from_docnums(order)
        if not matched:
            order = []
        elif by_date:
            order = sets.newest(reader, matched, limit)
        elif order is None:
            order = ranked(sets, s, user_q, matched, limit)
        if order is None:
            found = s.search(user_q, limit=limit, filter=sets.members(matched))
            order = [found.docnum(i) for i in range(found.scored_length())]
        terms = frozenset() if browse else field_terms(user_q, "text")
        hits = [_hit(s.stored_fields(n), terms) for n in order[(page - 1) * per_page : limit]]
        facets = sets.facets(reader, matched)
        suggestion = None
        if not browse:
            suggestion = suggest(s, self._parser, text, vocab, sets.visible_test(s, allowed))
        return SearchResults(sets.count(matched), page, per_page, hits, facets, suggestion)

    def suggest(self, text: str, *, visibility: Visibility) -> str | None:
        """A corrected ``text`` built from words visible documents contain,
        when some of its words are unknown to ``visibility``; else None."""
        levels = visibility_levels(visibility)
        text = _clean(text)
        if not levels or not text:
            return None
        with self._session("suggest", text) as (s, sets):
            key = (sets.key, "suggest", text, levels)
            cached = self._cached(key)
            if cached is not None:
                return cached or None
            found = None
            if parse(self._parser, text) is not wq.NullQuery:
                visible = sets.visible_test(s, sets.allowed(s.reader(), levels, ()))
                found = suggest(s, self._parser, text, vocab_fields(levels), visible)
            self._remember(key, found or "")
            return found

    def similar(self, doc_id: str, *, visibility: Visibility, limit: int = 5) -> list[Hit]:
        """Documents similar to ``doc_id`` ("más como esto"), best first.

        Similar means sharing the source document's key terms (Whoosh's Bo1
        expansion model over its title, description and stored text), searched
        in titles and bodies. Both the source and the results must be visible
        to ``visibility``: a source the caller may not see gives ``[]``, like
        an unknown id. The source itself is never among the results.
        """
        levels = visibility_levels(visibility)
        limit = min(max(0, int(limit)), MAX_SIMILAR)
        if not levels or not limit or doc_id in (None, ""):
            return []
        with self._session("similar", doc_id) as (s, sets):
            key = (sets.key, "similar", str(doc_id), levels, limit)
            cached = self._cached(key)
            if cached is not None:
                return list(cached)
            hits = self._similar(s, sets, str(doc_id), levels, limit)
            self._remember(key, hits)
            return list(hits)

    def _similar(self, s: Any, sets: DocSets, doc_id: str, levels: frozenset[str], limit: int) -> list[Hit]:
        allowed = sets.allowed(s.reader(), levels, ())
        source = s.document_number(id=doc_id)
        if source is None or not sets.contains(allowed, source):
            return []
        stored = s.stored_fields(source)
        text = "\n".join(stored.get(k) or "" for k in ("title", "description", "excerpt"))
        terms = s.key_terms_from_text("text", text, numterms=12) if text.strip() else []
        if not terms:
            return []
        q = wq.Or([
            wq.Term(name, term, boost=weight * FIELD_BOOSTS[name])
            for term, weight in terms
            for name in ("title", "text")
        ])
        candidates = sets.bits(s, q) & allowed & ~sets.single(source)
        order = ranked(sets, s, q, candidates, limit) if candidates else []
        if order is None:
            found = s.search(q, limit=limit, filter=sets.members(candidates))
            order = [found.docnum(i) for i in range(found.scored_length())]
        hits = [_hit(s.stored_fields(n), frozenset()) for n in order]
        return [h for h in hits if h.id != doc_id]

    def highlight(self, text: str, query: str, *, max_chars: int = 200_000) -> str:
        """``text`` (at most ``max_chars`` characters) as safe HTML: all of it
        escaped, newlines kept, and every word matching ``query`` the way the
        search does (accents, plurals, prefixes; not excluded words) wrapped
        in ``<mark>``. Never raises: on any trouble (logged) the text comes
        back escaped but unmarked.
        """
        try:
            text = (text if isinstance(text, str) else str(text or ""))[: max(0, int(max_chars))]
        except Exception:  # not even text to show
            log.exception("highlight got unusable text")
            return ""
        try:
            q = parse(self._parser, _clean(query)) if query else wq.NullQuery
            if q is not wq.NullQuery:
                terms, prefixes = wanted_terms(q)
                if terms or prefixes:
                    return mark(text, terms, prefixes)
        except Exception:  # presentation only: the text is still shown, unmarked
            log.exception("highlight failed for %r", query)
        return html.escape(text, quote=False)


def _clean(query: object) -> str:
    return (query if isinstance(query, str) else "").strip()[:MAX_QUERY_CHARS]


def _copy(results: SearchResults) -> SearchResults:
    """A cached answer handed out without sharing its mutable parts."""
    return dataclasses.replace(
        results,
        hits=list(results.hits),
        facets={k: dict(v) for k, v in results.facets.items()},
    )


def _hit(stored: dict[str, Any], terms: frozenset[str]) -> Hit:
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
        plan=stored.get("plan"),
        plan_title=stored.get("plan_title") or None,
        commitment=stored.get("commitment"),
        commitment_title=stored.get("commitment_title") or None,
    )
