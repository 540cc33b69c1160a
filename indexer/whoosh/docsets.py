"""Document sets of one index generation: query evaluation as int bitsets.

A set is a Python int with one byte per document: byte ``n`` is 1 when
document number ``n`` is in it. Union, intersection, difference and
``bit_count`` then run in C over ``size`` bytes, and bytes convert back to
document numbers with ``itertools.compress``. A byte rather than a bit per
document makes building a set from postings a plain byte store.

Each term's postings (document numbers and weights, then its set) are kept
per generation (LRU, bounded by :data:`TERM_CACHE_BYTES`), assembled from the
postings of each segment, which :class:`SegmentPostings` keeps across
generations: a segment never changes once written, so after an upload the
next generation reads only the new small segment, not the whole index again.
Deleted documents are removed by ``live``, which every visible set includes.
Boolean queries, phrases, visibility, filters, totals and facet counts are
then C-speed ``&``, ``|`` and ``bit_count``; ranking (:mod:`.ranking`) reuses
the cached postings.
"""

from __future__ import annotations

import heapq
import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from itertools import compress, count, islice
from typing import Any, cast

import numpy as np
from whoosh import query as wq
from whoosh.idsets import DocIdSet

from ..contract import FACETS
from ..documents import Filters
from . import _internals

# Memory for cached per-term document sets (one byte per document each).
TERM_CACHE_BYTES = 48 << 20
# Memory for postings kept per segment across generations (8 bytes per posting).
SEGMENT_CACHE_BYTES = 96 << 20
# Share of it :meth:`SegmentPostings.warm` fills ahead of searches (the rest is for the words people then ask for).
WARM_SHARE = 2 / 3
# Words held by fewer documents are cheap to read when asked for.
WARM_MIN_DOCS = 64
# ... and for at most this long (the budget, not the vocabulary, bounds what is read; this bounds a slow disk).
WARM_SECONDS = 30.0
_MAX_PHRASES = 64
_MAX_ALLOWED = 256


class Postings:
    """One term's postings across segments (global document numbers)."""

    __slots__ = ("ids", "weights", "bits")

    def __init__(self, ids: array, weights: array):
        self.ids, self.weights = ids, weights
        self.bits: int | None = None

    def nbytes(self, size: int) -> int:
        return 8 * len(self.ids) + size + 100


class Members(DocIdSet):
    """A document set as Whoosh's collectors want it (``docnum in set``)."""

    def __init__(self, data: bytes):
        self._data = data

    def __contains__(self, docnum: object) -> bool:
        return isinstance(docnum, int) and 0 <= docnum < len(self._data) and self._data[docnum] == 1

    def __iter__(self) -> Iterator[int]:
        return compress(count(), self._data)

    def __len__(self) -> int:
        return self._data.count(1)

    def __bool__(self) -> bool:
        # Whoosh drops a falsy filter altogether: an empty set must still filter.
        return True


def leaves(reader: Any) -> list[tuple[Any, int]]:
    """(segment reader, offset of its first document) of a top reader."""
    return list(reader.leaf_readers()) if reader.doc_count_all() else []


def _frequent(reader: Any, fieldname: str) -> Iterator[tuple[int, bytes]]:
    """(documents holding it, word) of each word of a segment's field held
    by at least :data:`WARM_MIN_DOCS` documents."""
    for btext, info in reader.iter_field(fieldname):
        freq = info.doc_frequency()
        if freq >= WARM_MIN_DOCS:
            yield freq, btext


def _segment_key(reader: Any) -> tuple[str, int]:
    """What names a segment's content: Whoosh's random segment id (16
    characters from the ``random`` module, reseeded in forked processes) and
    its document count, in case something reseeds ``random`` and a name comes
    back after its segment was merged away."""
    return reader.segment().segment_id(), reader.doc_count_all()


class SegmentPostings:
    """Terms' postings and phrases' matches per segment (segment-local
    document numbers), shared by every generation that holds the segment.
    Whoosh writes a segment once and keeps its deletions apart, so what was
    read from it stays true until a merge retires it; retired segments'
    entries age out (LRU)."""

    def __init__(self, budget: int = SEGMENT_CACHE_BYTES):
        self.budget = budget
        self._entries: OrderedDict[tuple, tuple[Any, int]] = OrderedDict()  # key -> (value, bytes it holds)
        self._bytes = 0
        self._lock = threading.Lock()

    def _cached(self, key: tuple) -> Any:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            return found[0]

    def _keep(self, key: tuple, value: Any, nbytes: int) -> Any:
        with self._lock:
            if key not in self._entries:
                self._entries[key] = (value, nbytes)
                self._bytes += nbytes
            while self._bytes > self.budget and len(self._entries) > 1:
                _, (_old, freed) = self._entries.popitem(last=False)
                self._bytes -= freed
        return value

    def get(self, reader: Any, fieldname: str, btext: bytes) -> tuple[array, array]:
        """(ids, weights) of ``btext`` in the segment of ``reader``."""
        key = (*_segment_key(reader), fieldname, btext)
        found = self._cached(key)
        if found is not None:
            return cast(tuple[array, array], found)
        ids, weights = array("I"), array("f")
        if (fieldname, btext) in reader:
            _internals.read_postings(reader.postings(fieldname, btext), 0, ids, weights)
        return cast(tuple[array, array], self._keep(key, (ids, weights), 8 * len(ids) + 100))

    def phrase(self, reader: Any, fieldname: str, btexts: tuple[bytes, ...], slop: int, fmt: Any) -> int:
        """Documents of the segment of ``reader`` (a set of segment-local
        numbers, deleted ones included) with the words ``btexts`` in order,
        each within ``slop`` positions after the previous one (Whoosh's
        SpanNear2 semantics). Candidates come from the words' postings;
        positions are decoded only for them, once per segment: after an
        upload only the new segment is read."""
        key = (*_segment_key(reader), fieldname, btexts, slop, "phrase")
        found = self._cached(key)
        if found is not None:
            return cast(int, found)
        n = reader.doc_count_all()
        candidates = np.ones(n, np.bool_)
        for btext in set(btexts):
            holds = np.zeros(n, np.bool_)
            holds[np.frombuffer(self.get(reader, fieldname, btext)[0], np.uint32)] = True
            candidates &= holds
        matched = bytearray(n)
        if candidates.any():
            wanted = candidates.astype(np.uint8).tobytes()
            positions: dict[bytes, dict[int, list[int]]] = {}
            for btext in set(btexts):
                positions[btext] = {}
                _internals.read_positions(reader.postings(fieldname, btext), 0, wanted, fmt, positions[btext])
            first, rest = positions[btexts[0]], [positions[b] for b in btexts[1:]]
            slop = max(1, slop)
            for d in np.flatnonzero(candidates).tolist():
                ends = set(first[d])
                for following in rest:
                    if slop == 1:
                        ends = {e + 1 for e in ends}.intersection(following[d])
                    else:
                        ends = {x for x in following[d] if any(0 < x - e <= slop for e in ends)}
                    if not ends:
                        break
                else:
                    matched[d] = 1
        return cast(int, self._keep(key, int.from_bytes(matched, "little"), n + 100))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def warm(self, top: Any, fieldnames: Iterable[str]) -> int:
        """Read ahead the postings of the most frequent words of ``fieldnames``
        in each segment, most frequent first, until :data:`WARM_SHARE` of the
        budget is used; returns how many were read.

        The first search of a common word otherwise decodes tens of thousands
        of postings in pure Python (about 0.2 µs each) while a citizen waits;
        rare words are cheap to read on demand. Like Solr's warming queries,
        it runs before a web process serves (``evidence-repo serve``)."""
        limit = int(self.budget * WARM_SHARE)
        deadline = time.monotonic() + WARM_SECONDS
        candidates = []
        for reader, _offset in leaves(top):
            for fieldname in fieldnames:
                if time.monotonic() > deadline:
                    break
                if fieldname in reader.schema:
                    for freq, btext in _frequent(reader, fieldname):
                        candidates.append((freq, reader, fieldname, btext))
        candidates.sort(key=lambda c: -c[0])
        read = 0
        for freq, reader, fieldname, btext in candidates:
            if time.monotonic() > deadline:
                break
            if self._bytes + 8 * freq + 100 <= limit:  # else a less frequent word may still fit
                self.get(reader, fieldname, btext)
                read += 1
        return read


class DocSets:
    """Document sets and postings of one index generation, shared by the
    searches on it. Readers are passed in, not kept: each thread reads with
    its own."""

    def __init__(self, key: tuple, reader: Any, segments: SegmentPostings | None = None):
        self.key = key
        self.segments = segments if segments is not None else SegmentPostings()
        self.size: int = reader.doc_count_all()
        self.all = int.from_bytes(b"\x01" * self.size, "little")
        self.live = self._live(reader)
        self._terms: OrderedDict[tuple, Postings] = OrderedDict()
        self._term_bytes = 0
        self._allowed: dict[tuple, int] = {}
        self._phrases: OrderedDict[tuple, int] = OrderedDict()
        self._facets: dict[str, dict[str, int]] | None = None
        self._lengths: dict[str, bytes] = {}
        self._dates: list[int] | None = None
        self._by_date: list[int] | None = None
        self._lock = threading.Lock()

    def _live(self, top: Any) -> int:
        data = bytearray(self.size)
        for reader, offset in leaves(top):
            n = reader.doc_count_all()
            if reader.has_deletions():
                for docnum in reader.all_doc_ids():
                    data[offset + docnum] = 1
            else:
                data[offset : offset + n] = b"\x01" * n
        return int.from_bytes(data, "little")

    # --- building sets ------------------------------------------------------

    def from_docnums(self, docnums: Iterable[int]) -> int:
        if not isinstance(docnums, array) or docnums.typecode != "I":
            docnums = array("I", docnums)
        data = np.zeros(self.size, np.uint8)
        data[np.frombuffer(docnums, np.uint32)] = 1
        return int.from_bytes(data.data, "little")

    def single(self, docnum: int) -> int:
        return 1 << (8 * docnum)

    def to_bytes(self, bits: int) -> bytes:
        return bits.to_bytes(self.size, "little")

    def postings(self, reader: Any, fieldname: str, text: str | bytes) -> Postings:
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

    def term(self, reader: Any, fieldname: str, text: str | bytes) -> int:
        entry = self.postings(reader, fieldname, text)
        if entry.bits is None:
            entry.bits = self.from_docnums(entry.ids) if entry.ids else 0
        return entry.bits

    def _read_postings(self, top: Any, fieldname: str, text: str | bytes) -> Postings:
        ids, weights = array("I"), array("f")
        schema = top.schema
        if fieldname not in schema:
            return Postings(ids, weights)
        try:
            btext = schema[fieldname].to_bytes(text) if isinstance(text, str) else text
        except ValueError:
            return Postings(ids, weights)
        parts = [(self.segments.get(reader, fieldname, btext), offset) for reader, offset in leaves(top)]
        parts = [(part, offset) for part, offset in parts if part[0]]
        if len(parts) == 1 and parts[0][1] == 0:
            return Postings(*parts[0][0])  # shared with the segment cache: never modified
        for (local_ids, local_weights), offset in parts:
            ids.frombytes((np.frombuffer(local_ids, np.uint32) + np.uint32(offset)).tobytes())
            weights.extend(local_weights)
        return Postings(ids, weights)

    def allowed(self, reader: Any, levels: frozenset[str], filters: Filters) -> int:
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
            if len(self._allowed) > _MAX_ALLOWED:
                self._allowed.clear()
            self._allowed[key] = bits
        return bits

    # --- queries --------------------------------------------------------------

    def algebraic(self, q: wq.Query) -> bool:
        """Whether :meth:`bits` and ranking handle ``q`` from term postings
        alone (phrases, for one, need positions)."""
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

    def bits(self, searcher: Any, q: wq.Query) -> int:
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

    def phrase(self, searcher: Any, q: wq.Phrase) -> int:
        """Documents with the words of ``q`` in order (deleted ones possibly
        included), segment by segment (:meth:`SegmentPostings.phrase`)."""
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
        btexts = tuple(field.to_bytes(w) for w in q.words)
        result = 0
        for leaf, offset in leaves(reader):
            local = self.segments.phrase(leaf, q.fieldname, btexts, q.slop, field.format)
            if local:
                result |= local << (8 * offset)
        with self._lock:
            self._phrases[key] = result
            while len(self._phrases) > _MAX_PHRASES:
                self._phrases.popitem(last=False)
        return result

    def visible_test(self, searcher: Any, allowed: int) -> Callable[[wq.Query], bool]:
        """``visible(q)``: does ``q`` match any document in ``allowed``? Stops
        at the first one, so a common word costs one posting."""
        data = self.to_bytes(allowed)

        def visible(q: wq.Query) -> bool:
            return any(data[n] for n in searcher.docs_for_query(q))

        return visible

    # --- reading sets -------------------------------------------------------

    def count(self, bits: int) -> int:
        return bits.bit_count()

    def contains(self, bits: int, docnum: int) -> bool:
        return bool((bits >> (8 * docnum)) & 1)

    def members(self, bits: int) -> Members:
        return Members(self.to_bytes(bits))

    def facets(self, reader: Any, matched: int) -> dict[str, dict[str, int]]:
        """Facet value counts of the documents in ``matched``, largest first.

        One set per facet value, each ANDed with ``matched`` and counted: the
        cost grows with the number of values times the number of documents
        (bench/search.py's 10,000 documents over 40 commitments: 111 values
        in 1.5 ms, 0.8 ms for the 63 without plans and commitments; ten times
        that at 100,000; the sets of all values stay in memory for the
        generation). Fine for plans, commitments and milestones by the dozen;
        a facet with thousands of values (a commitment x milestone pair, say)
        would want per-document value codes counted over ``matched`` instead.
        """
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

    def lengths(self, top: Any, fieldname: str) -> bytes:
        """Each document's length byte for ``fieldname`` (BM25's input)."""
        found = self._lengths.get(fieldname)
        if found is None:
            data = bytearray(self.size)
            for reader, offset in leaves(top):
                n = reader.doc_count_all()
                data[offset : offset + n] = _internals.length_bytes(reader, fieldname)
            found = self._lengths[fieldname] = bytes(data)
        return found

    def _date_keys(self, top: Any) -> list[int]:
        if self._dates is None:
            keys = [0] * self.size
            for reader, offset in leaves(top):
                if reader.has_column("date"):
                    keys[offset : offset + reader.doc_count_all()] = _internals.date_keys(reader)
            self._dates = keys
        return self._dates

    def newest(self, reader: Any, matched: int, limit: int) -> list[int]:
        """The ``limit`` newest documents of ``matched`` (undated last)."""
        dates = self._date_keys(reader)
        data = self.to_bytes(matched)
        found = self.count(matched)
        if found * found > limit * self.size:
            # Dense: walk all documents newest first until enough are found.
            if self._by_date is None:
                self._by_date = sorted(range(self.size), key=dates.__getitem__, reverse=True)
            return list(islice((n for n in self._by_date if data[n]), limit))
        return heapq.nlargest(limit, compress(count(), data), key=dates.__getitem__)
