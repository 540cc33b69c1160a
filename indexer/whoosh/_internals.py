"""Every use of a private Whoosh name, in one place.

Why: speed. At 10^5 documents in pure Python, going through Whoosh's public
matcher API costs a method call per posting (``id()``, ``weight()``,
``next()``) and per document for field lengths and sort keys; reading whole
blocks and columns straight from the codec is what keeps a cold search within
its budget (see ``bench/search.py``: the per-term document sets, BM25F and
date order are built from these reads). Each function here falls back to the
public API when the objects are not the ones it knows, so a different codec
is slower, not wrong.

Measured on bench/search.py's 10,000-document index (one segment, two busy
cores), each read once per index generation: a term in 6,800 documents, 11.5
ms by blocks vs 17.6 ms through the matcher API (visibility "public": 3.3 vs
6.5 ms); a segment's field lengths, 0.01 ms vs 24 ms document by document;
its date sort keys, 0.24 ms vs 38 ms iterating the column. Each grows
linearly with the number of documents.

What: the ``whoosh.codec.whoosh3`` codec (``W3LeafMatcher`` and its block
reads ``_read_ids``/``_read_weights``/``_read_values``/``_next_block``,
``_ids``/``_weights``/``_values``; ``LENGTHS_COLUMN``), segment readers'
``_perdoc``, columns' ``_dbfile``/``_basepos``/``_count``/``_fixedlen``/
``_default``/``_unpack``, BM25F's per-field ``_field_B``, and the length byte
encoding of ``whoosh.util.numeric``.

These are only verified against :data:`WHOOSH_VERSION`, the version pinned
in ``pyproject.toml``; ``tests/indexer/whoosh/test_internals.py`` fails loudly
when another version is installed. Upgrading Whoosh means re-reading each
function below against the new source, then moving the pin.
"""

from __future__ import annotations

import importlib.metadata
import struct
from array import array
from collections.abc import Callable
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length, length_to_byte

__all__ = [
    "WHOOSH_VERSION",
    "bm25f_b",
    "check",
    "date_keys",
    "installed_version",
    "length_bytes",
    "length_norms",
    "read_positions",
    "read_postings",
]

WHOOSH_VERSION = "2.7.5"

# Private methods this module calls, by class: check() looks for each.
_METHODS = {W3LeafMatcher: ("_read_ids", "_read_weights", "_read_values", "_next_block")}


def installed_version() -> str:
    return importlib.metadata.version("whoosh-reloaded")


def check() -> list[str]:
    """Private names this module needs that the installed Whoosh lacks."""
    return [
        f"{cls.__name__}.{name}"
        for cls, names in _METHODS.items()
        for name in names
        if not callable(getattr(cls, name, None))
    ]


def _unwrap(matcher: Any) -> Any:
    """The codec's matcher under the filter a segment with deletions adds
    (deleted documents are removed later, by the caller's set of live ones)."""
    return matcher.child if isinstance(matcher, FilterMatcher) else matcher


def read_postings(matcher: Any, offset: int, ids: array, weights: array) -> None:
    """Append a term's postings (document number + ``offset``, weight), a
    block at a time where the codec allows it: per-posting matcher calls cost
    several times more."""
    m = _unwrap(matcher)
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


def read_positions(
    matcher: Any, offset: int, wanted: bytes, decode: Callable[[Any], list[int]], out: dict[int, list[int]]
) -> None:
    """Add ``{document: positions}`` for the documents marked in ``wanted``
    (indexed by document number + ``offset``), decoding only those."""
    m = _unwrap(matcher)
    if type(m) is not W3LeafMatcher:
        while m.is_active():
            if wanted[m.id() + offset]:
                out[m.id() + offset] = decode(m.value())
            m.next()
        return
    while m.is_active():
        m._read_ids()
        m._read_values()
        for d, value in zip(m._ids, m._values):
            if wanted[d + offset]:
                out[d + offset] = decode(value)
        m._next_block()


def length_bytes(reader: Any, fieldname: str) -> bytes:
    """A segment's field-length bytes for ``fieldname`` (BM25's length input,
    one byte per document), read in one go instead of one call per document."""
    n = reader.doc_count_all()
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is None:
        return bytes(length_to_byte(reader.doc_field_length(d, fieldname, 0) or 0) for d in range(n))
    name = f"_{fieldname}_len"
    if not perdoc.has_column(name):
        return bytes(n)
    column = perdoc.column_reader(name, LENGTHS_COLUMN)
    raw = column._dbfile.get(column._basepos, column._count)
    return raw + bytes(n - len(raw))


def date_keys(reader: Any, fieldname: str = "date") -> list[int]:
    """A segment's sort keys of a numeric column (8-byte unsigned), read in
    one go instead of one call per document."""
    n = reader.doc_count_all()
    column = reader.column_reader(fieldname, translate=False)
    if not hasattr(column, "_unpack") or column._fixedlen != 8:
        return list(column)
    raw = column._dbfile.get(column._basepos, 8 * column._count)
    values = list(struct.unpack(f"!{column._count}Q", raw))
    return values + [column._default] * (n - len(values))


def bm25f_b(weighting: Any, fieldname: str) -> float:
    """BM25F's B for ``fieldname`` (Whoosh keeps per-field values privately)."""
    return weighting._field_B.get(fieldname, weighting.B)


def length_norms(k1: float, b: float, avg_length: float) -> list[float]:
    """BM25's length normalization for each of the 256 length bytes, decoded
    the way the codec encoded them."""
    return [k1 * ((1 - b) + b * byte_to_length(i) / avg_length) for i in range(256)]
