"""Every use of a private Whoosh name, in one place: this package (reading
here, writing a rebuild in :mod:`.bulk`).

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
import io
import pickle
import struct
import zlib
from array import array
from collections.abc import Callable, Iterator
from itertools import accumulate, repeat
from typing import Any, cast

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3PostingsWriter
from whoosh.formats import Positions
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

__all__ = [
    "WHOOSH_VERSION",
    "BulkSegmentWriter",
    "bm25f_b",
    "check",
    "date_keys",
    "installed_version",
    "length_bytes",
    "length_norms",
    "positions_decoder",
    "read_positions",
    "read_postings",
]

WHOOSH_VERSION = "2.7.5"

# Private methods this module calls, by class: check() looks for each.
_METHODS = {
    W3LeafMatcher: ("_read_ids", "_read_weights", "_read_values", "_next_block"),
    W3PostingsWriter: ("_write_block", "_new_block", "_mini_ids", "_mini_weights", "_mini_values"),
    SegmentWriter: ("_flush_segment", "_finalize_segment", "_close_segment", "_assemble_segment"),
}


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


_BLOCK_LENGTH = struct.Struct("!i")
# Where a block's values begin when they are byte strings (positions): protocol 2 pickles each as a call to
# _codecs.encode, the first one naming it in full. Ids and weights come before.
_BYTES_VALUES = b"(c_codecs\nencode\n"
_TUPLE2_STOP = b"\x86."


def _blocks(m: Any, values: bool = True) -> Iterator[tuple[int, tuple]]:
    """(posting count, (id deltas, weights, values)) of each block of a W3
    matcher's posting list, read with one file access for the whole list;
    with ``values=False`` the values may come back as None.

    The codec's own reader seeks and reads three times per block of 128
    postings and decodes ids with a Python generator; a common term at 10^5
    documents has thousands of blocks. The layout read here is the one
    ``W3PostingsWriter._write_block`` writes: a 4-byte magic, then per block a
    big-endian int length (negative for the last block), a pickled info tuple
    (count, last id, max weight, compression, min/max length bytes) and the
    data tuple, pickled and zlib-compressed when compression is set.

    Positions are most of a block's pickle and 95 % of the time to unpickle it
    (each is itself a pickled list, stored as bytes that protocol 2 rebuilds
    through a function call), so when they are not wanted the pickle is cut
    where they begin and closed as a pair: :func:`_ids_and_weights`."""
    length = m._length
    if isinstance(length, tuple):  # the codec's term info decoder keeps struct.unpack's 1-tuple
        (length,) = length
    raw = m._postfile.get(m._startoffset, length)
    view = memoryview(raw)
    pos = 4  # the header magic, checked by the matcher when it was made
    end = len(raw)
    while pos < end:
        (length,) = _BLOCK_LENGTH.unpack_from(raw, pos)
        pos += 4
        block_end = pos + abs(length)
        info_file = io.BytesIO(view[pos:block_end])
        info = pickle.load(info_file)
        stored = view[pos + info_file.tell() : block_end]
        data = zlib.decompress(stored) if info[3] else bytes(stored)
        yield info[0], (_ids_and_weights(data, info[0]) if not values else None) or pickle.loads(data)
        if length < 0:
            return
        pos = block_end


def _ids_and_weights(data: bytes, n: int) -> tuple | None:
    """(ids, weights, None) from the start of a block's pickle, or None when
    it does not have the expected shape (the caller then unpickles it all)."""
    cut = data.find(_BYTES_VALUES)
    if cut <= 0:
        return None
    try:
        ids, weights = pickle.loads(data[:cut] + _TUPLE2_STOP)
    except Exception:
        return None
    if type(ids) is not tuple or len(ids) != n:
        return None
    if not (weights is None or type(weights) is float or (type(weights) is tuple and len(weights) == n)):
        return None
    return ids, weights, None


def _block_ids(deltas: tuple, offset: int) -> Iterator[int]:
    ids = accumulate(deltas)
    return map(offset.__add__, ids) if offset else ids


def read_postings(matcher: Any, offset: int, ids: array, weights: array) -> None:
    """Append a term's postings (document number + ``offset``, weight), the
    whole posting list at once where the codec allows it: per-posting matcher
    calls cost several times more, and the codec's block reads three times."""
    m = _unwrap(matcher)
    if type(m) is not W3LeafMatcher or m._byteids:
        while m.is_active():
            ids.append(m.id() + offset)
            weights.append(m.weight())
            m.next()
        return
    for n, (deltas, block_weights, _values) in _blocks(m, values=False):
        ids.extend(_block_ids(deltas, offset))
        if block_weights is None:
            weights.extend(repeat(1.0, n))
        elif isinstance(block_weights, float):
            weights.extend(repeat(block_weights, n))
        else:
            weights.extend(block_weights)


def read_positions(matcher: Any, offset: int, wanted: bytes, fmt: Any, out: dict[int, list[int]]) -> None:
    """Add ``{document: positions}`` for the documents marked in ``wanted``
    (indexed by document number + ``offset``), decoding only those."""
    decode = positions_decoder(fmt)
    m = _unwrap(matcher)
    if type(m) is not W3LeafMatcher or m._byteids or not (m._fixedsize is None or m._fixedsize < 0):
        while m.is_active():
            if wanted[m.id() + offset]:
                out[m.id() + offset] = decode(m.value())
            m.next()
        return
    batch = type(fmt) is Positions
    for _n, (deltas, _weights, values) in _blocks(m):
        picked = [(d, value) for d, value in zip(_block_ids(deltas, offset), values) if wanted[d]]
        lists = _delta_lists([value for _d, value in picked]) if batch and picked else None
        if lists is None:
            for d, value in picked:
                out[d] = decode(value)
        else:
            for (d, _value), position_deltas in zip(picked, lists):
                out[d] = list(accumulate(position_deltas))


def _delta_lists(values: list[bytes]) -> list[list[int]] | None:
    """The position deltas of many ``Positions`` values in one unpickling,
    or None when they do not have the expected shape. Each value is a 4-byte
    count and a protocol 2 pickle of one list; their bodies between a MARK
    and a LIST opcode make one pickle of the list of them (the inner PROTO
    opcodes are allowed anywhere; each inner memo entry is only written)."""
    parts = [b"\x80\x02("]
    parts += [value[4:-1] if value.endswith(b".") else value[4:] for value in values]
    parts.append(b"l.")
    try:
        lists = pickle.loads(b"".join(parts))
    except Exception:
        return None
    if type(lists) is not list or len(lists) != len(values) or not all(type(x) is list for x in lists):
        return None
    return lists


def positions_decoder(fmt: Any) -> Callable[[bytes], list[int]]:
    """``fmt.decode_positions`` without its per-position Python loop, for
    Whoosh's ``Positions`` format (a 4-byte count, then a pickled list of
    deltas); any other format's own decoder."""
    if type(fmt) is not Positions:
        return cast(Callable[[bytes], list[int]], fmt.decode_positions)

    def decode(value: bytes) -> list[int]:
        if not value.endswith(b"."):
            value += b"."
        return list(accumulate(pickle.loads(memoryview(value)[4:])))

    return decode


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


from .bulk import BulkSegmentWriter  # noqa: E402  (re-exported: the writing half)
