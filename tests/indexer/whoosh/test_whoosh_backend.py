"""The Whoosh backend beyond the contract: its document-set engine against
Whoosh's own matchers, caches, locks, parallel rebuilds and damaged files."""

from __future__ import annotations

import json
import os
import random
import threading
from datetime import date, timedelta

import pytest
from whoosh import query as wq
from whoosh import sorting

from indexer import PUBLIC_ONLY, IndexCorrupt, IndexLocked
from indexer.whoosh import WhooshBackend
from indexer.whoosh.query import expand_prefixes, parse
from indexer.whoosh.schema import SCHEMA_VERSION, vocab_fields
from tests.indexer.corpus import ALL_IDS, CORPUS, PUBLIC, STAFF, dated_docs

# --- the document-set engine against Whoosh's own matchers ----------------------

QUERIES = [
    "transparencia", "participacion ciudadana", "minuta OR relatoria", "minuta -contrataciones",
    "transpar*", "(informe OR minuta) (participacion OR contrataciones)", "informe -presupuesto -reunion",
    "(minuta -contrataciones) OR (informe -participacion)", "padron", "capacit* NOT curso",
    '"lista de asistencia"', 'informe "rendicion de cuentas"', "datos abiertos", "-minuta",
    '"lista asistencia"~3', '"plan accion"~2 OR "reunion instalacion"', '"minuta -contrataciones"',
]


def _whoosh(index, text, levels, filters=None, groups=()):
    """Results straight from Whoosh's matchers, for comparison."""
    with index._session("test", text) as (s, _):
        q = expand_prefixes(parse(index._parser, text), s.reader(), vocab_fields(levels))
        restriction = wq.And(
            [wq.Or([wq.Term("visibility", v) for v in sorted(levels)])]
            + [wq.Term(k, v) for k, v in (filters or {}).items()]
        )
        grouped = {f: sorting.FieldFacet(f, maptype=sorting.Count) for f in groups}
        results = s.search(wq.Require(q, restriction), limit=None, optimize=False, groupedby=grouped or None)
        scores = {results[i]["id"]: results.score(i) for i in range(len(results))}
        facets = {f: {k: v for k, v in results.groups(f).items() if k} for f in groups}
        return len(results), [results[i]["id"] for i in range(len(results))], scores, facets


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("levels", [PUBLIC_ONLY, STAFF])
def test_totals_and_ranking_equal_whoosh(whoosh_fresh, text, levels):
    whoosh_fresh.add([dict(CORPUS[4], title="Relatoría revisada del taller de co-creación")])  # a deletion
    total, ranking, _, _ = _whoosh(whoosh_fresh, text, levels)
    results = whoosh_fresh.search(text, visibility=levels, per_page=100)
    assert results.total == total
    assert [h.id for h in results.hits] == ranking
    assert sum(results.facets["file_type"].values()) == total


@pytest.mark.parametrize("query", ["", "minuta", "minuta informe", "auditoria padron presupuesto"])
def test_date_order_equals_whoosh(tmp_path, query):
    index = WhooshBackend(tmp_path / "index", batch_size=400)
    index.add(dated_docs(1500))
    index.delete([f"x{i}" for i in range(1, 1500, 37)])
    results = index.search(query, visibility=PUBLIC, sort="date", per_page=100, page=2)
    with index._session("test", query) as (s, _):
        q = parse(index._parser, query) if query else wq.Every()
        expected = s.search(wq.Require(q, wq.Term("visibility", "public")), limit=None, optimize=False)
        by_date = sorted(
            ((hit.get("date"), hit["id"]) for hit in expected),
            key=lambda kv: kv[0].toordinal() if kv[0] else 0,
            reverse=True,
        )
    assert results.total == len(by_date)
    assert [h.date for h in results.hits] == [d.date() if d else None for d, _ in by_date[100:200]]


WORDS = (
    "reunión reuniones participación ciudadana transparencia transparente minuta minutas informe "
    "presupuesto acta actas auditoría contratación contrataciones padrón beneficiarios lista asistencia "
    "capacitación rendición cuentas comité sesión acuerdo acuerdos plan acción datos abiertos de la y"
).split()
MEANS = ["Minuta", "Informe", "Lista de asistencia", "Relatoría"]


def _random_docs(rng, n):
    for i in range(n):
        yield {
            "id": f"r{i}",
            "title": " ".join(rng.choices(WORDS, k=rng.randint(2, 6))),
            "text": " ".join(rng.choices(WORDS, k=rng.randint(0, 40))),
            "description": " ".join(rng.choices(WORDS, k=rng.randint(0, 5))),
            "milestone": str(rng.randint(1, 5)),
            "means": rng.choice(MEANS),
            "date": date(2018, 1, 1) + timedelta(days=rng.randrange(2000)) if rng.random() < 0.9 else None,
            "file_type": rng.choice(["pdf", "docx", "xlsx"]),
            "visibility": rng.choice(["public"] * 8 + ["restricted", None]),
        }


def _random_query(rng):
    def word():
        w = rng.choice(WORDS[:-3])
        return w[: rng.randint(3, 6)] + "*" if rng.random() < 0.1 else w

    parts = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.random()
        if kind < 0.15:
            parts.append(f'"{word()} {rng.choice(WORDS)} {word()}"'.replace("*", ""))
        elif kind < 0.3:
            parts.append(f"({word()} OR {word()})")
        elif kind < 0.4:
            parts.append(f"-{word()}")
        else:
            parts.append(word())
    return " ".join(parts)


@pytest.fixture(scope="module")
def churned(tmp_path_factory):
    rng = random.Random(11)
    docs = list(_random_docs(rng, 400))
    index = WhooshBackend(tmp_path_factory.mktemp("churn") / "index", batch_size=60)
    index.add(docs)
    index.add(dict(d, visibility="restricted") for d in docs[::17])  # updates: deletions
    index.delete(d["id"] for d in docs[5::23])
    return index


@pytest.mark.parametrize("seed", range(40))
def test_random_queries_agree_with_whoosh(churned, seed):
    rng = random.Random(seed)
    text = _random_query(rng)
    levels = PUBLIC_ONLY if seed % 3 else STAFF
    filters = {"milestone": str(rng.randint(1, 5))} if seed % 4 == 0 else {}
    results = churned.search(text, visibility=levels, filters=filters, per_page=100)
    total, _, scores, facets = _whoosh(churned, text, levels, filters, groups=("milestone", "means"))
    assert results.total == total, text
    assert {f: results.facets[f] for f in facets} == facets, text
    got = [h.id for h in results.hits]
    assert set(got) == set(scores) or len(got) == 100, text
    ordered = [scores[i] for i in got]
    assert all(a >= b - 1e-9 * max(1.0, abs(a)) for a, b in zip(ordered, ordered[1:])), text


# --- caches -----------------------------------------------------------------


def test_cache_can_be_disabled(tmp_path):
    index = WhooshBackend(tmp_path / "index", cache_size=0)
    index.rebuild(CORPUS)
    first = index.search("transparencia", visibility=PUBLIC)
    assert first.total == index.search("transparencia", visibility=PUBLIC).total > 0
    assert not index._cache


def test_answers_are_cached_per_generation(whoosh_fresh):
    first = whoosh_fresh.search("transparencia", visibility=PUBLIC)
    assert whoosh_fresh._cache and whoosh_fresh.search("transparencia", visibility=PUBLIC) == first
    whoosh_fresh.add([{"id": "n1", "title": "Transparencia nueva", "visibility": "public"}])
    assert not whoosh_fresh._cache  # a commit forgets answers
    assert whoosh_fresh.search("transparencia", visibility=PUBLIC).total == first.total + 1


def test_searchers_are_reused_until_the_generation_changes(whoosh_fresh):
    key, searcher = whoosh_fresh._current()
    assert whoosh_fresh._current() == (key, searcher)
    whoosh_fresh.delete(["d01"])
    new_key, new_searcher = whoosh_fresh._current()
    assert new_key != key and new_searcher is not searcher


# --- writing -------------------------------------------------------------------


def test_rebuild_reports_progress_per_batch(whoosh_fresh):
    progress = []
    docs = ({"id": f"n{i}", "title": f"nuevo {i}", "visibility": "public"} for i in range(20))
    whoosh_fresh.rebuild(docs, progress=progress.append)
    assert progress == [7, 14, 20]  # batches of 7


def test_parallel_rebuild(tmp_path):
    index = WhooshBackend(tmp_path / "index", batch_size=5)
    index.add(CORPUS)
    docs = list(dated_docs(300))
    assert index.rebuild(iter(docs), procs=2) == 300
    assert index.count() == 300 and index.doc_ids() == {d["id"] for d in docs}
    assert index.search("", visibility=STAFF).total == 300
    padron = index.search("padron", visibility=PUBLIC).total
    assert padron == WhooshBackend(tmp_path / "index").search("padron", visibility=PUBLIC).total > 0
    assert index.search("transparencia", visibility=PUBLIC).total == 0  # the old documents are gone


def test_a_parallel_rebuild_with_a_bad_document_keeps_the_old_index(tmp_path):
    """A document the rebuild processes reject fails the whole rebuild with the same error, and the index
    searched before is still there, whole."""
    index = WhooshBackend(tmp_path / "index")
    index.add(CORPUS)
    docs = [*dated_docs(150), {"id": "malo", "title": "fecha imposible", "date": "2019-02-30", "visibility": "public"}]
    with pytest.raises(ValueError):
        index.rebuild(iter(docs), procs=2)
    assert index.doc_ids() == ALL_IDS
    assert WhooshBackend(tmp_path / "index").doc_ids() == ALL_IDS
    assert index.search("transparencia", visibility=PUBLIC).total > 0


class _KillsItsReader:
    """A field value whose unpickling ends the process at once (``os._exit``):
    a rebuild process dying outright, with no chance to report."""

    def __reduce__(self) -> tuple:
        return os._exit, (3,)


def test_a_parallel_rebuild_whose_process_dies_fails_and_keeps_the_old_index(tmp_path):
    """A rebuild process killed mid-rebuild (here: it exits as it reads a batch) fails the rebuild with
    IndexCorrupt instead of waiting for it forever or indexing the others' documents only, and the old index is
    still there, whole."""
    index = WhooshBackend(tmp_path / "index")
    index.add(CORPUS)
    docs = [*dated_docs(150), {"id": "muere", "title": _KillsItsReader(), "visibility": "public"}, *dated_docs(5)]
    outcome: list[BaseException | None] = []

    def rebuild() -> None:
        try:
            index.rebuild(iter(docs), procs=2)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    runner = threading.Thread(target=rebuild, daemon=True)
    runner.start()
    runner.join(timeout=120)
    assert not runner.is_alive(), "the rebuild still waits for a dead process"
    assert isinstance(outcome[0], IndexCorrupt) and "died (exit code 3)" in str(outcome[0])
    assert index.doc_ids() == ALL_IDS
    assert WhooshBackend(tmp_path / "index").doc_ids() == ALL_IDS
    assert index.search("transparencia", visibility=PUBLIC).total > 0


def test_a_rebuild_over_its_memory_budget_writes_several_segments(tmp_path, monkeypatch):
    """Postings are grouped in memory up to a budget; past it the rebuild closes a segment and starts another.
    The answers are the same as from an index written one document at a time."""
    from indexer.whoosh import writer

    docs = list(dated_docs(300))
    monkeypatch.setattr(writer, "REBUILD_MEMORY", 20_000)
    index = WhooshBackend(tmp_path / "index")
    assert index.rebuild(iter(docs)) == 300
    assert len(index._store.ix._segments()) > 3
    reference = WhooshBackend(tmp_path / "reference", batch_size=1000)
    reference.add(docs)
    for query in ("padron", "informe minuta", '"padron presupuesto"', "padr*", ""):
        for levels in (PUBLIC, STAFF):
            got, expected = index.search(query, visibility=levels), reference.search(query, visibility=levels)
            assert (got.total, got.facets) == (expected.total, expected.facets), query
            assert {h.id for h in got.hits} == {h.id for h in expected.hits}, query
    assert index.count() == 300 and index.doc_ids() == {d["id"] for d in docs}


def test_a_writer_waits_for_the_lock_then_gives_up(tmp_path):
    holder = WhooshBackend(tmp_path / "index")
    waiting = WhooshBackend(tmp_path / "index", lock_timeout=0.2)
    taken, release = threading.Event(), threading.Event()

    def hold():
        with holder._store.locked():
            taken.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        taken.wait(10)
        with pytest.raises(IndexLocked):
            waiting.add([{"id": "a", "title": "bloqueado", "visibility": "public"}])
    finally:
        release.set()
        thread.join()
    assert waiting.add([{"id": "a", "title": "libre", "visibility": "public"}]) == 1


# --- damaged files ---------------------------------------------------------------


def _toc(path):
    return next(path.glob("_MAIN_*.toc"))


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: _toc(p).write_bytes(_toc(p).read_bytes()[:40]),
        lambda p: _toc(p).unlink(),
        lambda p: [seg.unlink() for seg in p.glob("MAIN_*.seg")],
        lambda p: (p / "evidence_index.json").write_text(
            json.dumps({"schema_version": SCHEMA_VERSION, "analyzer": "another"})
        ),
        lambda p: (p / "evidence_index.json").write_text(json.dumps({"schema_version": SCHEMA_VERSION + 1})),
        lambda p: (p / "evidence_index.json").write_text("{"),
        lambda p: (p / "evidence_index.json").unlink(),
    ],
    ids=[
        "truncated-toc", "deleted-toc", "deleted-segments", "other-analyzer-version", "newer-schema-version",
        "unreadable-meta", "deleted-meta",
    ],
)
def test_corrupt_index_is_detected_and_can_be_rebuilt(tmp_path, damage):
    path = tmp_path / "index"
    WhooshBackend(path).add(CORPUS)
    damage(path)
    with pytest.raises(IndexCorrupt):
        WhooshBackend(path)
    index = WhooshBackend(path, reset_if_corrupt=True)
    assert index.created and index.count() == 0
    index.rebuild(CORPUS)
    assert WhooshBackend(path).doc_ids() == ALL_IDS


def test_rebuild_recreates_an_index_damaged_after_opening(tmp_path):
    path = tmp_path / "index"
    index = WhooshBackend(path)
    index.add(CORPUS)
    (path / "evidence_index.json").write_text(json.dumps({"schema_version": 0}))
    assert index.rebuild(CORPUS[:5]) == 5
    assert WhooshBackend(path).count() == 5
