"""What only the PostgreSQL backend has: its tables in a schema of a shared
database, their versions, and several backends (processes) on one index.
The behaviour every backend shares is the contract suite's."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import create_engine, text

from indexer import IndexCorrupt
from indexer.postgres import PostgresBackend
from indexer.postgres import query as pq
from tests.indexer.corpus import CORPUS, PUBLIC, STAFF, all_ids


@pytest.fixture
def engine(postgres_url):
    engine = create_engine(postgres_url)
    yield engine
    engine.dispose()


def _meta(engine, schema, key, value):
    with engine.begin() as conn:
        conn.execute(text(f'UPDATE "{schema}".meta SET value = :v WHERE key = :k'), {"k": key, "v": value})


def test_an_older_schema_version_is_reset_whatever_reset_if_corrupt_says(engine):
    PostgresBackend(engine, schema="search").add(CORPUS)
    _meta(engine, "search", "schema_version", "0")
    index = PostgresBackend(engine, schema="search")
    assert index.created and index.count() == 0
    assert not PostgresBackend(engine, schema="search").created


def test_another_analyzer_is_corrupt_unless_reset(engine):
    PostgresBackend(engine, schema="search").add(CORPUS)
    _meta(engine, "search", "analyzer", "0000000000000000")
    with pytest.raises(IndexCorrupt):
        PostgresBackend(engine, schema="search")
    index = PostgresBackend(engine, schema="search", reset_if_corrupt=True)
    assert index.created and index.count() == 0


def test_indexes_in_other_schemas_and_prefixes_are_apart(engine):
    a = PostgresBackend(engine, schema="search")
    b = PostgresBackend(engine, schema="search", prefix="other_")
    c = PostgresBackend(engine, schema="elsewhere")
    a.add(CORPUS)
    b.add([{"id": "x", "title": "ornitorrinco público", "visibility": "public"}])
    assert c.count() == 0 and b.count() == 1 and a.count() == len(CORPUS)
    assert all_ids(b, "ornitorrinco") == {"x"} and all_ids(a, "ornitorrinco") == set()
    assert all_ids(a, "ornitorrinco", visibility=STAFF) == {"d22"}
    a.rebuild(CORPUS[:3])
    assert b.count() == 1 and a.count() == 3


@pytest.mark.parametrize("name", ["Search", "a-b", "x; DROP TABLE y", "", "1abc"])
def test_schema_and_prefix_must_be_plain_identifiers(engine, name):
    with pytest.raises(ValueError):
        PostgresBackend(engine, schema=name or "search", prefix=name if name else "-")


def test_a_url_opens_and_close_releases_its_connections(postgres_url):
    index = PostgresBackend(postgres_url)
    index.add(CORPUS)
    assert {"d05", "d09", "d18"} <= all_ids(index, "participacion")
    assert index.search("transparensia", visibility=PUBLIC).suggestion == "transparencia"
    index.close()


def _bounded_corpus():
    """Twelve public documents say "ornitorrinco": three in the title, nine only in the body;
    two of the body ones also say "pato"; one restricted document says it in its title."""
    docs = [{"id": f"t{i}", "title": f"Ornitorrinco {i}", "text": "Informe del comité.", "visibility": "public",
             "date": f"2020-01-0{i + 1}"} for i in range(3)]
    docs += [{"id": f"b{i}", "title": f"Minuta {i}", "text": "Se habló del ornitorrinco. " * (i + 1)
              + ("El pato también." if i < 2 else ""), "visibility": "public", "date": f"2021-02-{i + 10}"}
             for i in range(9)]
    docs.append({"id": "r0", "title": "Ornitorrinco reservado", "text": "nada", "visibility": "restricted"})
    return docs


TITLES = {"t0", "t1", "t2"}
BODIES = {f"b{i}" for i in range(9)}


@pytest.mark.parametrize("query, expected, first", [
    ("ornitorrinco", TITLES | BODIES, TITLES),
    ("ornitorrinco -pato", TITLES | BODIES - {"b0", "b1"}, TITLES),
    ("hablo", BODIES, BODIES),  # in no title: the newest matches are the candidates
])
def test_large_result_sets_rank_candidates_and_page_without_repeats(engine, query, expected, first):
    """Above ``rank_all`` matches only candidates get an exact rank (title matches first);
    every page still holds the right documents, each exactly once."""
    index = PostgresBackend(engine, schema="search")
    index.add(_bounded_corpus())
    exact = index.search(query, visibility=PUBLIC, per_page=50)
    index.rank_all, index.candidates = 4, 2  # 12 matches: the bounded path, 2 + 2 candidates
    pages = [index.search(query, visibility=PUBLIC, page=p, per_page=5) for p in (1, 2, 3, 4)]
    seen = [h.id for r in pages for h in r.hits]
    assert all(r.total == len(expected) for r in pages) and exact.total == len(expected)
    assert sorted(seen) == sorted(expected) == sorted(h.id for h in exact.hits)
    assert pages[0].hits[0].id in first  # a title match ranks first
    assert pages[0].facets == exact.facets
    assert "<mark>" in pages[1].hits[0].snippet or pages[1].hits[0].id.startswith("t")


def _phrase_corpus():
    """100 documents: "rendición" and "cuentas" in ten (frequent enough for their
    pairs to be indexed), "ornitorrinco" in one."""
    docs = [{"id": f"f{i}", "title": f"Minuta {i}", "text": "Sesión del comité.", "visibility": "public"}
            for i in range(89)]
    docs += [{"id": f"r{i}", "title": "Informe", "text": "La rendición de cuentas del comité.",
              "visibility": "public"} for i in range(9)]
    docs.append({"id": "mixed", "title": "Cuentas", "text": "Sin rendición. Ornitorrinco rendición comité.",
                 "visibility": "public"})
    docs.append({"id": "hidden", "title": "Rendición de cuentas", "text": "reservado", "visibility": "restricted"})
    return docs


def test_a_rebuild_indexes_pairs_of_frequent_words_and_additions_follow_it(engine):
    """The rebuild chooses the frequent terms; a phrase of them is one pair
    lexeme (no ``tsvector`` read), a phrase with a rarer word is checked by
    position, documents added later get the same pairs, and visibility holds."""
    index = PostgresBackend(engine, schema="search")
    index.rebuild(_phrase_corpus())
    with engine.connect() as conn:
        pairs = {r[0] for r in conn.execute(text('SELECT term FROM "search".pairs'))}
        tsv, head = conn.execute(text('SELECT tsv::text, head::text FROM "search".docs WHERE id = \'r0\'')).one()
    assert {"rendicion", "cuent", "comit"} <= pairs and "ornitorrinc" not in pairs
    assert "'rendicion cuent':" in tsv and "'cuent comit':" in tsv and "rendicion cuent" not in head
    node = pq.parse('"rendición de cuentas"')
    assert pq.to_tsquery(node, pairs=frozenset(pairs)) == "'rendicion cuent'"
    assert pq.to_tsquery(node) == "('rendicion' <-> 'cuent')"  # ranking weighs the words
    assert pq.to_tsquery(pq.parse('"ornitorrinco rendición"'), pairs=frozenset(pairs)) == (
        "('ornitorrinc' <-> 'rendicion')")
    assert all_ids(index, '"rendición de cuentas"') == {f"r{i}" for i in range(9)}
    assert all_ids(index, '"rendición de cuentas"', visibility=STAFF) == {f"r{i}" for i in range(9)} | {"hidden"}
    assert all_ids(index, '"ornitorrinco rendición comité"') == {"mixed"}
    assert all_ids(index, '"cuentas sin rendición"') == set()  # across title and body
    index.add([{"id": "new", "title": "Nueva", "text": "Rendición de cuentas.", "visibility": "public"}])
    assert "new" in all_ids(index, '"rendición de cuentas"')
    assert index.search('"rendición de cuentas"', visibility=PUBLIC).total == 10


def _tables(engine, schema):
    with engine.connect() as conn:
        docs = conn.execute(text(f'SELECT id, visibility, tsv::text FROM "{schema}".docs ORDER BY id')).all()
        stored = conn.execute(text(f'SELECT id, title, words FROM "{schema}".stored ORDER BY id')).all()
        vocab = conn.execute(text(f'SELECT audience, word, ndocs FROM "{schema}".vocab ORDER BY 1, 2')).all()
    return docs, stored, vocab


def test_a_rebuild_in_child_processes_writes_what_one_process_writes(engine):
    """``reindex --procs``: the same rows, the first of repeated ids kept, the
    vocabulary counted once per document, and bad input refused as before."""
    repeated = {**CORPUS[0], "title": "Otra versión repetida", "visibility": "staff"}
    docs = CORPUS + [repeated]
    one, many = PostgresBackend(engine, schema="one"), PostgresBackend(engine, schema="many")
    assert one.rebuild(iter(docs)) == many.rebuild(iter(docs), procs=2) == len(CORPUS)
    assert _tables(engine, "one") == _tables(engine, "many")
    docs_rows, stored, vocab = _tables(engine, "many")
    audience = {doc_id: ("public" if v == "public" else "restricted") for doc_id, v, _ in docs_rows}
    counted = Counter((audience[doc_id], w) for doc_id, _, words in stored for w in set(words))
    assert {(a, w): n for a, w, n in vocab} == dict(counted)
    assert "repetida" not in {w for _, w, _ in vocab}
    assert all_ids(many, "ornitorrinco", visibility=STAFF) == {"d22"}
    with pytest.raises(ValueError):
        many.rebuild(iter(docs + [{"id": "bad", "nonsense": 1}]), procs=2)
    assert many.count() == len(CORPUS)  # the old index stays


def test_totals_and_facets_are_counted_on_a_side_connection_sharing_the_searchs_snapshot(engine, monkeypatch):
    """The facet pass runs on a second connection while the first ranks; it sees
    the search's snapshot, so a document committed in between is neither counted
    nor shown. With every side slot busy it runs inline, with the same answer."""
    index = PostgresBackend(engine, schema="search")
    index.add(CORPUS)
    before = index.search("participacion", visibility=PUBLIC)
    writer = PostgresBackend(engine, schema="search")
    pids, real = [], PostgresBackend._facets

    def facets_after_a_write(self, cur, where, params):
        if not pids:  # committed after the search began, before its facet pass reads anything
            writer.add([{"id": "late", "title": "Participación tardía", "visibility": "public"}])
        pids.append(cur.execute("SELECT pg_backend_pid()").fetchone()[0])
        return real(self, cur, where, params)

    def more_than(self, cur, where, params, n):
        main_pids.append(cur.execute("SELECT pg_backend_pid()").fetchone()[0])
        return real_more_than(self, cur, where, params, n)

    main_pids, real_more_than = [], PostgresBackend._more_than
    monkeypatch.setattr(PostgresBackend, "_facets", facets_after_a_write)
    monkeypatch.setattr(PostgresBackend, "_more_than", more_than)
    during = index.search("participacion", visibility=PUBLIC)
    assert during.total == before.total == len(during.hits) and "late" not in {h.id for h in during.hits}
    assert during.facets == before.facets
    assert pids[0] != main_pids[0]  # counted on another connection
    after = index.search("participacion", visibility=PUBLIC)
    assert after.total == before.total + 1 and "late" in {h.id for h in after.hits}
    slots = index._side._slots
    while slots.acquire(blocking=False):  # every side slot busy: counted inline
        pass
    inline = index.search("participacion", visibility=PUBLIC)
    assert (inline.total, inline.facets, [h.id for h in inline.hits]) == (after.total, after.facets,
                                                                            [h.id for h in after.hits])
    index.close()
    writer.close()


def test_documents_analysed_before_a_rebuild_changed_the_pairs_are_analysed_again(engine, monkeypatch):
    """``add`` analyses before taking the writer lock; when a rebuild chose other
    pair terms meanwhile, the batch is analysed again with them under the lock."""
    index = PostgresBackend(engine, schema="search")
    index.rebuild(_phrase_corpus())
    monkeypatch.setattr(index._store, "_current_pairs", lambda: frozenset())  # read before the rebuild
    index.add([{"id": "new", "title": "Nueva", "text": "Rendición de cuentas.", "visibility": "public"}])
    with engine.connect() as conn:
        tsv = conn.execute(text('SELECT tsv::text FROM "search".docs WHERE id = \'new\'')).scalar()
    assert "'rendicion cuent'" in tsv
    assert "new" in all_ids(index, '"rendición de cuentas"')


def test_a_side_pass_queued_behind_a_waiting_rebuild_gives_way_instead_of_deadlocking(engine, monkeypatch):
    """A rebuild's swap waits for the search's lock; the side pass, queued behind the
    swap, would wait for it while the search waits for the side pass (a cycle
    PostgreSQL cannot see). The side pass gives up and the search counts inline."""
    import threading
    import time

    index = PostgresBackend(engine, schema="search")
    index.add(CORPUS)
    expected = index.search("participacion", visibility=PUBLIC)
    real, started, swapped = PostgresBackend._facets, [], threading.Event()

    def swap():
        with engine.begin() as conn:  # what a rebuild's swap asks for
            conn.execute(text('LOCK TABLE "search".docs IN ACCESS EXCLUSIVE MODE'))
        swapped.set()

    def facets(self, cur, where, params):
        if not started:  # on the side connection, once the search holds its tables
            started.append(threading.Thread(target=swap))
            started[0].start()
            time.sleep(0.5)  # the exclusive request is queued behind the search
        return real(self, cur, where, params)

    monkeypatch.setattr(PostgresBackend, "_facets", facets)
    answers = []
    search = threading.Thread(target=lambda: answers.append(index.search("participacion", visibility=PUBLIC)))
    search.start()
    search.join(20)
    assert not search.is_alive(), "the search waited for its side pass forever"
    assert (answers[0].total, answers[0].facets) == (expected.total, expected.facets)
    assert swapped.wait(20)
    index.close()


def test_a_process_forked_after_searching_searches_with_side_passes_of_its_own(engine):
    """The side pass's threads and connections are the parent's: a child forked
    after a search (a pre-forking server) gets its own instead of handing its
    facet pass to threads that do not exist in it (it would wait forever)."""
    import os
    import signal

    index = PostgresBackend(engine, schema="search")
    index.add(CORPUS)
    expected = index.search("participacion", visibility=PUBLIC)
    parent_side = index._side._threads
    assert parent_side is not None and expected.total > 0  # the parent's side pass has run

    pid = os.fork()
    if pid == 0:  # the child: answer, then exit without pytest's teardown
        status = 1
        try:
            signal.alarm(30)  # a hang ends the child (killed by SIGALRM), and the test fails
            engine.dispose(close=False)  # SQLAlchemy's recipe for the caller's own engine after a fork
            found = index.search("participacion", visibility=PUBLIC)
            side = index._side._threads
            if (found.total, found.facets) == (expected.total, expected.facets) and side is not parent_side:
                status = 0
        finally:
            os._exit(status)
    _, code = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(code) == 0
    again = index.search("participacion", visibility=PUBLIC)  # the parent's connections are still its own
    assert (again.total, again.facets) == (expected.total, expected.facets)
    index.close()


def test_warming_asks_the_server_to_read_ahead_every_table_and_index_searches_read(engine):
    """``warm`` (run by ``serve`` before it opens its port) has the server read
    ahead ``docs`` with its TOAST, their indexes, the vocabulary and the pairs:
    every block of them, counted here from the catalog."""
    index = PostgresBackend(engine, schema="search")
    index.add(CORPUS)
    index.add([{"id": f"largo{i}", "title": "Informe largo", "visibility": "public",
                "text": " ".join(f"palabra{i}x{j} sesión informe" for j in range(3000))} for i in range(3)])
    with engine.connect() as conn:
        toast = conn.execute(text("SELECT reltoastrelid FROM pg_class WHERE oid = '\"search\".docs'::regclass")).scalar()
        assert conn.execute(text("SELECT pg_relation_size(:t)"), {"t": toast}).scalar() > 0  # the long bodies' tsvectors
        expected = conn.execute(text(
            "SELECT sum(pg_relation_size(r)) / current_setting('block_size')::int FROM ("
            "SELECT c.oid AS r FROM pg_class c WHERE c.relnamespace = 'search'::regnamespace "
            "AND c.relname IN ('docs', 'vocab', 'pairs') UNION ALL SELECT :toast UNION ALL "
            "SELECT i.indexrelid FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
            "WHERE c.relnamespace = 'search'::regnamespace AND c.relname IN ('docs', 'vocab', 'pairs')) s"
        ), {"toast": toast}).scalar()
    assert index.warm() == expected > 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_prewarm'")).scalar() == 1
    assert index.search("informe", visibility=PUBLIC).total > 3
    index.close()
