"""Writing a rebuild's segments in bulk, with private Whoosh names.

Why: speed. Profiling a rebuild put ~45 % of its time in Whoosh's
SegmentWriter moving each posting through its external sorting pool (pickled
to temporary runs, read back and heap-merged) and then looking up the
document's field length once per posting (``doc_field_length``), ~15 % in
building a ``Token`` per word and ~11 % in ``tell()`` system calls. A
rebuild's documents arrive in order, so postings are grouped per term as they
come (already sorted by document, within a memory budget) and handed to the
codec's postings writer a block at a time, with the lengths at hand: 100,000
documents on two processes went from 495.6 to ~180 s (README, Performance).
The files are the codec's own, byte for byte:
``tests/indexer/whoosh/test_internals.py`` compares every file of a segment
with what Whoosh's writer makes.

What: ``SegmentWriter``'s ``perdocwriter``/``fieldwriter``/``docnum``/
``_added``/``_flush_segment``/``_finalize_segment``; ``W3FieldWriter``'s
``_postwriter``, ``_postfile`` and ``_tindex.dbfile`` (their files wrapped to
count bytes); ``W3PostingsWriter``'s block buffer (``_ids``, ``_weights``,
``_values``, ``_minlength``, ``_maxlength``, ``_maxweight``, ``_blocklimit``,
``_byteids``), ``_write_block``, and ``_mini_ids``/``_mini_weights``
(replaced per writer by equivalents that loop in C).

Verified against the same pinned Whoosh version as the rest of this package.
"""

from __future__ import annotations

import operator
import pickle
import struct
from array import array
from collections.abc import Iterable
from functools import partial
from typing import Any

from whoosh.formats import Positions
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from ...analysis import SpanishAnalyzer, term_positions, vocabulary

__all__ = ["BulkSegmentWriter"]

# Bytes a grouped posting holds in memory, about: id, weight, end of its value
# (4 + 8 + 4) and the value (a position and its pickle: ~14).
POSTING_BYTES = 32


_PACK_UINT = struct.Struct("!I").pack


def _add_text(terms: dict, docnum: int, value: Any, field: Any, words: set[str] | None) -> tuple[int, int]:
    """Group one Spanish text field's postings under their terms, as
    ``TEXT.index`` would give them (frequency, weight, ``Positions.encode``\\ d
    positions), straight from :func:`term_positions`. Terms stay ``str``
    here, encoded when written: UTF-8 keeps their order. Values are kept end
    to end and cut into new objects when written (as Whoosh's are new
    objects: pickling a block memoizes repeated ones, which would change its
    bytes), so the encoding of a single position can be shared. The text's
    vocabulary words go to ``words`` when it is not None. Returns (field
    length, postings added)."""
    if not isinstance(value, str):
        if words is not None:
            words.update(vocabulary(*map(str, value)).split())
        return _add_items(terms, docnum, ((t.decode("utf-8"), f, w, v) for t, f, w, v in field.index(value)))
    boost, pack, dumps, once = field.format.field_boost, _PACK_UINT, pickle.dumps, _ONE_POSITION
    found_positions = term_positions(value, words)
    get = terms.get
    for term, places in found_positions.items():
        found = get(term)
        if found is None:
            terms[term] = found = (array("I"), array("d"), bytearray(), array("I"))
        ids, weights, data, ends = found
        ids.append(docnum)
        if len(places) == 1:
            weights.append(boost)
            data += once.get(places[0]) or _one_position(places[0])
        else:
            n = len(places)
            weights.append(n * boost)
            data += pack(n) + dumps([b - a for a, b in zip([0, *places], places)], 2)
        ends.append(len(data))
    return sum(map(len, found_positions.values())), len(found_positions)


_ONE_POSITION: dict[int, bytes] = {}


def _mini_ids(pw: Any) -> tuple:
    """``W3PostingsWriter._mini_ids`` (the block's ids as deltas) without a
    generator step per posting."""
    ids = pw._ids
    return tuple(map(operator.sub, ids, [0, *ids[:-1]]))


def _mini_weights(pw: Any) -> Any:
    """``W3PostingsWriter._mini_weights``: None when all are 1, the one value
    when all are equal, else all of them; counted in C."""
    weights, n = pw._weights, len(pw._weights)
    if weights.count(1.0) == n:
        return None
    if weights.count(weights[0]) == n:
        return weights[0]
    return tuple(weights)


def _one_position(position: int) -> bytes:
    """``Positions.encode([position])``, remembered for the first 64 Ki positions."""
    found = _PACK_UINT(1) + pickle.dumps([position], 2)
    if position < 65_536:
        _ONE_POSITION[position] = found
    return found


def _add_items(terms: dict, docnum: int, items: Iterable[tuple[Any, int, float, bytes]]) -> tuple[int, int]:
    """Group what a field's ``index()`` yields under its terms."""
    length = added = 0
    for key, freq, weight, vbytes in items:
        length += freq
        added += 1
        found = terms.get(key)
        if found is None:
            terms[key] = found = (array("I"), array("d"), bytearray(), array("I"))
        found[0].append(docnum)
        found[1].append(weight)
        found[2].extend(vbytes)
        found[3].append(len(found[2]))
    return length, added


class _Counted:
    """A file being written that counts its bytes, so ``tell()`` (three per
    term in the codec's writers) needs no system call."""

    def __init__(self, file: Any):
        self._file, self._pos = file, file.tell()

    def write(self, data: Any) -> int:
        self._pos += len(data) if isinstance(data, bytes) else memoryview(data).nbytes
        return self._file.write(data)

    def tell(self) -> int:
        return self._pos

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


def _fast_text(field: Any) -> bool:
    return type(field.format) is Positions and type(field.analyzer) is SpanishAnalyzer


class BulkSegmentWriter(SegmentWriter):
    """Writes one new segment of a rebuild (see the module docstring). Takes no
    lock: the rebuild's own writer holds the index lock and commits the
    segments. Supports what the evidence schema uses (no term vectors, no
    separate spelling fields, no ``_boost`` keywords)."""

    def __init__(self, ix: Any, vocabulary_fields: Iterable[str] = ()):
        """``vocabulary_fields``: Spanish text fields whose plain words
        (:func:`analysis.vocabulary`) each document's indexing gathers in
        ``words``, from the tokens it reads anyway (spelling vocabularies)."""
        super().__init__(ix, _lk=False)
        for name, field in self.schema.items():
            if field.vector or field.separate_spelling():
                raise ValueError(f"field {name!r}: vectors and spelling fields are not supported here")
        # fieldname -> term (str for Spanish text fields, else bytes) -> (ids, weights, values end to end, ends)
        self.terms: dict[str, dict[Any, tuple[array, array, bytearray, array]]] = {}
        self.lengths: dict[str, dict[int, int]] = {}
        self.postings = 0
        self._fast = {name: _fast_text(field) for name, field in self.schema.items()}
        self.vocabulary_fields = frozenset(vocabulary_fields)
        if not all(self._fast.get(name) for name in self.vocabulary_fields):
            raise ValueError(f"vocabulary words come from Spanish text fields only: {sorted(self.vocabulary_fields)}")
        self.words: set[str] = set()
        fw = self.fieldwriter
        fw._postfile.file = _Counted(fw._postfile.file)
        fw._tindex.dbfile.file = _Counted(fw._tindex.dbfile.file)

    def memory(self) -> int:
        """Bytes the grouped postings hold, about."""
        return self.postings * POSTING_BYTES

    def add_document(self, **fields: Any) -> None:
        perdoc, schema, docnum = self.perdocwriter, self.schema, self.docnum
        self.words = set()
        perdoc.start_doc(docnum)
        try:
            for fieldname in sorted(fields):
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    terms = self.terms.setdefault(fieldname, {})
                    if self._fast[fieldname]:
                        wanted = self.words if fieldname in self.vocabulary_fields else None
                        length, added = _add_text(terms, docnum, value, field, wanted)
                    else:
                        length, added = _add_items(terms, docnum, field.index(value))
                    self.postings += added
                    if not field.scorable:
                        length = 0
                    elif length:
                        # As the codec reads it back: one byte, logarithmic.
                        stored = length_to_byte(length)
                        if stored:
                            self.lengths.setdefault(fieldname, {})[docnum] = byte_to_length(stored)
                perdoc.add_field(fieldname, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdoc.add_column_value(fieldname, column, field.to_column_value(value))
        except BaseException:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fw = self.fieldwriter
        for fieldname in sorted(self.terms):
            terms = self.terms.pop(fieldname)
            lengths = self.lengths.pop(fieldname, {})
            if not terms:  # e.g. only stop words: Whoosh's writer never starts such a field
                continue
            fw.start_field(fieldname, self.schema[fieldname])
            pw = fw._postwriter
            if not pw._byteids:
                pw._mini_ids, pw._mini_weights = partial(_mini_ids, pw), partial(_mini_weights, pw)
            for key in sorted(terms):
                ids, weights, data, ends = terms.pop(key)
                fw.start_term(key.encode("utf-8") if isinstance(key, str) else key)
                _write_postings(fw._postwriter, ids, weights, bytes(data), ends, lengths)
                fw.finish_term()
            fw.finish_field()
        fw.close()
        self.postings = 0

    def finish(self) -> Any:
        """Close this segment and return it (for the committing writer)."""
        return self._finalize_segment()


def _write_postings(
    pw: Any, ids: array, weights: array, data: bytes, ends: array, lengths: dict[int, int],
) -> None:
    """One term's postings through the codec's postings writer, a block at a
    time, with the statistics ``add_posting`` would have kept. ``data`` holds
    the values end to end, value ``i`` ending at ``ends[i]``."""
    limit = pw._blocklimit
    for start in range(0, len(ids), limit):
        if start:
            pw._write_block()
        end = start + limit
        block_weights = weights[start:end]
        pw._ids = block_ids = ids[start:end]
        pw._weights = array("f", block_weights)
        block_ends = ends[start:end]
        if not data:
            pw._values = []
        else:  # new objects each (see _add_text), empty ones left out as add_posting does
            begin = ends[start - 1] if start else 0
            pw._values = list(filter(None, map(data.__getitem__, map(slice, [begin, *block_ends[:-1]], block_ends))))
        pw._maxweight = max(0, max(block_weights))
        sizes = list(filter(None, map(lengths.get, block_ids)))
        pw._minlength = min(sizes) if sizes else None
        pw._maxlength = max(sizes) if sizes else 0
