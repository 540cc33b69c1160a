"""The private Whoosh names indexer/whoosh/_internals/ relies on.

If one of these fails after a Whoosh upgrade: re-read every function in
indexer/whoosh/_internals/ against the new Whoosh source, fix what changed,
then move the pin in pyproject.toml and _internals.WHOOSH_VERSION together.
"""

from __future__ import annotations

import re
import tomllib
from array import array
from pathlib import Path

import pytest
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.util.numeric import length_to_byte

from indexer.whoosh import WhooshBackend, _internals
from indexer.whoosh.docsets import leaves
from tests.indexer.corpus import STAFF

ROOT = Path(__file__).resolve().parents[3]
INDEXER = ROOT / "indexer"
REVERIFY = (
    "indexer/whoosh/_internals/ uses private Whoosh internals verified only against "
    "whoosh-reloaded {pinned}; {found} is installed. Re-verify every function in "
    "_internals/ against the new source before changing the pin."
)


def test_whoosh_version_is_the_pinned_one():
    found = _internals.installed_version()
    pinned = _internals.WHOOSH_VERSION
    assert found == pinned == "2.7.5", REVERIFY.format(pinned=pinned, found=found)


def test_pyproject_pins_the_verified_version():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert f"whoosh-reloaded=={_internals.WHOOSH_VERSION}" in deps, (
        "pyproject.toml must pin whoosh-reloaded to the version _internals/ was verified against"
    )


def test_private_methods_still_exist():
    assert _internals.check() == [], REVERIFY.format(
        pinned=_internals.WHOOSH_VERSION, found=_internals.installed_version()
    )


PRIVATE = re.compile(
    r"whoosh\.codec|_read_ids|_read_weights|_read_values|_next_block|_perdoc|_dbfile|_basepos|"
    r"_fixedlen|_field_B|LENGTHS_COLUMN|W3LeafMatcher|byte_to_length|length_to_byte|_postwriter|_blocklimit|"
    r"_write_block|_mini_ids|_mini_weights|_flush_segment|_finalize_segment|perdocwriter|fieldwriter"
)


def test_private_whoosh_names_are_confined_to_internals():
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in INDEXER.rglob("*.py")
        if "_internals" not in path.parts
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if PRIVATE.search(line)
    ]
    assert offenders == []


# --- each fast path gives what Whoosh's public API gives ----------------------------


@pytest.fixture
def segments(whoosh_fresh):
    whoosh_fresh.delete(["d02", "d09"])  # deletions: segments wrap matchers in a filter
    with whoosh_fresh._session("test", None) as (searcher, _):
        yield searcher.reader()


def test_segments_use_the_block_matcher(segments):
    reader, _ = leaves(segments)[0]
    btext = reader.schema["text"].to_bytes("transparent")
    assert type(_internals._unwrap(reader.postings("text", btext))) is W3LeafMatcher


@pytest.mark.parametrize("fieldname,text", [("text", "transparent"), ("title", "minut"), ("visibility", "public")])
def test_read_postings_equals_the_matcher_api(segments, fieldname, text):
    _compare_postings(segments, fieldname, text)


def _compare_postings(top, fieldname: str, text: str) -> int:
    """Asserts that read_postings gives, segment by segment, what the matcher API gives; returns how many."""
    seen = 0
    for reader, offset in leaves(top):
        btext = reader.schema[fieldname].to_bytes(text)
        if (fieldname, btext) not in reader:
            continue
        ids, weights = array("I"), array("f")
        _internals.read_postings(reader.postings(fieldname, btext), offset, ids, weights)
        m = _internals._unwrap(reader.postings(fieldname, btext))
        expected = []
        while m.is_active():
            expected.append((m.id() + offset, m.weight()))
            m.next()
        assert list(zip(ids, weights)) == expected
        seen += len(expected)
    return seen


def test_read_positions_equals_the_matcher_api(segments):
    fmt = segments.schema["text"].format
    for reader, offset in leaves(segments):
        btext = reader.schema["text"].to_bytes("list")
        if ("text", btext) not in reader:
            continue
        out = {}
        wanted = b"\x01" * (offset + reader.doc_count_all())
        _internals.read_positions(reader.postings("text", btext), offset, wanted, fmt, out)
        m = _internals._unwrap(reader.postings("text", btext))
        expected = {}
        while m.is_active():
            expected[m.id() + offset] = fmt.decode_positions(m.value())
            m.next()
        assert out == expected


@pytest.mark.parametrize("fieldname", ["title", "text", "vocab_public"])
def test_length_bytes_equal_the_reader_api(segments, fieldname):
    for reader, _ in leaves(segments):
        expected = bytes(
            length_to_byte(reader.doc_field_length(d, fieldname, 0) or 0) for d in range(reader.doc_count_all())
        )
        assert _internals.length_bytes(reader, fieldname) == expected


def test_date_keys_equal_the_column_api(segments):
    for reader, _ in leaves(segments):
        if reader.has_column("date"):
            assert _internals.date_keys(reader) == list(reader.column_reader("date", translate=False))
            assert any(_internals.date_keys(reader))


def test_bm25f_b(whoosh_fresh):
    with whoosh_fresh._session("test", None) as (searcher, _):
        weighting = searcher.weighting
        assert _internals.bm25f_b(weighting, "title") == weighting.B
    assert len(_internals.length_norms(1.2, 0.75, 10.0)) == 256


# --- posting lists of many blocks (the codec writes blocks of 128 postings) ----------


@pytest.fixture(scope="module")
def many_blocks(tmp_path_factory):
    """One segment of 700 documents: "informe" in all of them (six blocks, the last one short, weights that vary
    from block to block and within one), "minuta" in every third with weight 1 (blocks whose weights the codec
    stores as a single value), so the whole-list reader walks every kind of block the writer makes."""
    index = WhooshBackend(tmp_path_factory.mktemp("blocks") / "index")
    index.rebuild(
        {
            "id": f"b{n:04d}",
            "title": f"Documento {n}",
            "text": " ".join(["informe"] * (1 + n % 5) + (["minuta"] if n % 3 == 0 else []) + ["lista", "de", "asistencia"]),
            "visibility": "public" if n % 7 else "restricted",
        }
        for n in range(700)
    )
    with index._session("test", None) as (searcher, _):
        yield searcher.reader()
    index.close()


@pytest.mark.parametrize("fieldname,text", [("text", "inform"), ("text", "minut"), ("visibility", "public")])
def test_read_postings_of_many_blocks_equals_the_matcher_api(many_blocks, fieldname, text):
    assert _compare_postings(many_blocks, fieldname, text) > 128  # more than one block


def test_read_positions_of_many_blocks_equals_the_matcher_api(many_blocks):
    fmt = many_blocks.schema["text"].format
    for reader, offset in leaves(many_blocks):
        btext = reader.schema["text"].to_bytes("inform")
        out = {}
        wanted = bytes(n % 2 for n in range(offset + reader.doc_count_all()))  # every other document
        _internals.read_positions(reader.postings("text", btext), offset, wanted, fmt, out)
        m = _internals._unwrap(reader.postings("text", btext))
        expected = {}
        while m.is_active():
            if (m.id() + offset) % 2:
                expected[m.id() + offset] = fmt.decode_positions(m.value())
            m.next()
        assert out == expected and len(out) > 128


def test_reading_postings_leaves_positions_packed(many_blocks):
    """Positions are most of a block's pickle: reading ids and weights stops where they begin."""
    reader, _ = leaves(many_blocks)[0]
    m = _internals._unwrap(reader.postings("text", reader.schema["text"].to_bytes("inform")))
    blocks = list(_internals._blocks(m, values=False))
    assert len(blocks) > 1
    assert all(values is None for _n, (_ids, _weights, values) in blocks)


def test_positions_decoder_equals_the_format_s(many_blocks):
    fmt = many_blocks.schema["text"].format
    decode = _internals.positions_decoder(fmt)
    assert decode is not fmt.decode_positions
    for positions in ([0], [3, 4, 9, 200, 70_000], list(range(0, 5000, 7))):
        value = fmt.encode(positions)
        assert decode(value) == fmt.decode_positions(value) == positions
        assert decode(value[:-1]) == positions  # stored without the pickle's final "."


# --- a rebuild's segments are what Whoosh's own writer makes ------------------------


def _awkward_documents(n: int = 400) -> list[dict]:
    """Long bodies (terms of many blocks and many positions), titles of stop words only, empty and missing
    fields, accents, numbers with dots, restricted and dated documents."""
    docs = []
    for i in range(n):
        body = " ".join(["informe"] * (1 + i % 7) + ["de", "la", f"palabra{i % 37}", "Participación", "1.5"])
        docs.append({
            "id": f"a{i:04d}",
            "title": "de la y el" if i % 11 == 0 else f"Minuta {i} de la sesión",
            "description": "" if i % 5 == 0 else f"Reunión número {i} con organizaciones",
            "text": body * (1 + (i % 40 == 0) * 60),
            "milestone": str(1 + i % 4),
            "milestone_text": "Reglas de operación",
            "means": "minuta" if i % 2 else "lista de asistencia",
            "date": f"2019-{1 + i % 12:02d}-{1 + i % 28:02d}" if i % 9 else None,
            "year": "2019",
            "file_type": "pdf",
            "visibility": "public" if i % 4 else "restricted",
        })
    return docs


def _segment_files(index: WhooshBackend) -> tuple[list, dict[str, bytes]]:
    """(each segment's document count and field lengths, the files of the only segment by kind)."""
    storage = index._store.ix.storage
    segments = index._store.ix._segments()
    files = {}
    for segment in segments:
        parts = segment.open_compound_file(storage) if segment.is_compound() else storage
        for name in parts.list():
            if name.startswith(segment.segment_id()):
                with parts.open_file(name) as f:
                    files[name[len(segment.segment_id()):]] = f.read()
    return [(s.doc_count_all(), s._fieldlengths) for s in segments], files


def test_a_bulk_written_segment_is_byte_for_byte_whooshs(tmp_path):
    from indexer.whoosh.schema import to_fields

    docs = [to_fields(d) for d in _awkward_documents()]
    reference = WhooshBackend(tmp_path / "whoosh")
    with reference._store.writer() as writer:
        for fields in docs:
            writer.add_document(**fields)
    bulk = WhooshBackend(tmp_path / "bulk")
    with bulk._store.writer() as writer:
        part = _internals.BulkSegmentWriter(bulk._store.ix)
        for fields in docs:
            part.add_document(**fields)
        segment = part.finish()
        writer.mergetype = lambda _writer, _old: [segment]
    made, files = _segment_files(bulk)
    expected, expected_files = _segment_files(reference)
    assert made == expected and made[0][0] == 400
    assert sorted(files) == sorted(expected_files) and ".pst" in files and ".trm" in files
    assert [kind for kind in files if files[kind] != expected_files[kind]] == []
    hits = bulk.search("participacion informe", visibility=STAFF)
    assert hits.total == 400 and hits.hits and bulk.search('"minuta 7"', visibility=STAFF).total == 1
