"""Postings kept per segment across index generations, and read ahead before serving.

A Whoosh segment never changes once written, so what a search read from it stays true after an upload adds a
segment; only the new one is read. ``warm()`` reads the most frequent words ahead, within a memory budget.
"""

from __future__ import annotations

import pytest

from indexer import PUBLIC_ONLY
from indexer.whoosh import WhooshBackend, _internals
from indexer.whoosh.docsets import leaves


def _docs(n: int, start: int = 0):
    for i in range(start, start + n):
        words = ["informe"] * (1 + i % 3) + (["minuta"] if i % 4 == 0 else []) + [f"raro{i}"]
        yield {"id": f"s{i:04d}", "title": f"Documento {i}", "text": " ".join(words + ["de", "la", "sesión"]),
               "visibility": "public" if i % 5 else "restricted"}


@pytest.fixture
def reads(monkeypatch):
    """The segment each posting list is read from, in order."""
    seen: list[tuple[str, str]] = []
    real = _internals.read_postings

    def counting(matcher, offset, ids, weights):
        seen.append(matcher)
        return real(matcher, offset, ids, weights)

    monkeypatch.setattr(_internals, "read_postings", counting)
    return seen


@pytest.fixture
def index(tmp_path):
    index = WhooshBackend(tmp_path / "index", batch_size=1000, cache_size=0)
    index.add(_docs(600))
    yield index
    index.close()


def _segment_ids(index):
    with index._session("test", None) as (s, _):
        return [r.segment().segment_id() for r, _ in leaves(s.reader())]


def test_a_new_generation_reads_only_its_new_segment(index, reads):
    first = index.search("informe", visibility=PUBLIC_ONLY)
    before = _segment_ids(index)
    assert len(reads) > 0 and first.total == 480

    index.add(_docs(3, start=600))  # an upload: a new small segment beside the big one
    assert set(before) < set(_segment_ids(index))
    reads.clear()
    after = index.search("informe", visibility=PUBLIC_ONLY)
    assert after.total == 482  # s0601 and s0602 are public, s0600 restricted
    assert reads, "the new segment's postings are read"
    # Nothing is read again from the big segment: every read is of a posting list of another segment.
    with index._session("test", None) as (s, _):
        big = next(r for r, _ in leaves(s.reader()) if r.segment().segment_id() == before[0])
        assert all(getattr(_internals._unwrap(m), "_postfile", None) is not big._terms._postfile for m in reads)


def test_results_after_a_merge_read_the_merged_segment(index):
    index.search("minuta", visibility=PUBLIC_ONLY)
    index.add(_docs(3, start=600))
    index.delete(["s0004", "s0008"])
    from whoosh.writing import OPTIMIZE

    with index._store.writer(mergetype=OPTIMIZE) as writer:  # everything merged into one new segment
        writer.add_document(**{"id": "s0999", "title": "Otra minuta", "text": "minuta", "visibility": "public"})
    expected = {f"s{i:04d}" for i in range(603) if i % 4 == 0 and i % 5} - {"s0004", "s0008"} | {"s0999"}
    results = index.search("minuta", visibility=PUBLIC_ONLY, per_page=100)
    assert results.total == len(expected)


def test_warm_reads_the_most_frequent_words_ahead(index, reads):
    assert index.warm() > 0
    reads.clear()
    results = index.search("informe", visibility=PUBLIC_ONLY)
    assert results.total == 480
    assert reads == [], "the first search of the most frequent word reads nothing"
    index.search("raro7", visibility=PUBLIC_ONLY)
    assert reads, "rare words are read when asked for"


def test_warm_stays_within_its_budget(index):
    index._segments.budget = 12_000  # 1,500 postings at 8 bytes each, two thirds of it for reading ahead
    read = index.warm()
    assert 0 < read
    assert index._segments._bytes <= 8_000
    assert index.search("informe", visibility=PUBLIC_ONLY).total == 480


def test_a_phrase_is_checked_again_only_in_the_new_segment(index, monkeypatch):
    checked = []
    real = _internals.read_positions

    def recording(matcher, offset, wanted, fmt, out):
        checked.append(_internals._unwrap(matcher)._postfile)
        return real(matcher, offset, wanted, fmt, out)

    monkeypatch.setattr(_internals, "read_positions", recording)
    expected = sum(1 for i in range(600) if i % 4 == 0 and i % 5)  # "informe minuta", public
    assert index.search('"informe minuta"', visibility=PUBLIC_ONLY).total == expected
    big = set(checked)
    index.add([{"id": "nueva", "title": "Acta", "text": "informe minuta de la sesión", "visibility": "public"},
               {"id": "desordenada", "title": "Acta", "text": "minuta informe", "visibility": "public"}])
    checked.clear()
    assert index.search('"informe minuta"', visibility=PUBLIC_ONLY).total == expected + 1
    assert [h.id for h in index.search('"informe minuta" acta', visibility=PUBLIC_ONLY).hits] == ["nueva"]
    assert checked and not big & set(checked), "only the new segment's positions are read"
    index.delete(["s0004"])
    assert index.search('"informe minuta"', visibility=PUBLIC_ONLY).total == expected


def test_reading_ahead_keeps_no_merged_away_files_open(index):
    """`serve` reads ahead in its main thread, which never searches again: a searcher kept there would hold the
    files of every segment later merged away open, and their space on disk, for the life of the process."""
    import os

    from whoosh.writing import OPTIMIZE

    assert index.warm() > 0
    with index._store.writer(mergetype=OPTIMIZE) as writer:  # every old segment merged into a new one
        writer.add_document(id="s0999", title="Otra", text="minuta", visibility="public")
    fds = "/proc/self/fd"
    held = [os.readlink(f"{fds}/{fd}") for fd in os.listdir(fds) if os.path.islink(f"{fds}/{fd}")]
    assert [f for f in held if str(index.path) in f and f.endswith("(deleted)")] == []
    assert index.search("minuta", visibility=PUBLIC_ONLY).total == 121
    assert index.count() == 601 and len(index.doc_ids()) == 601
