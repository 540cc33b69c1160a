"""SearchIndex: similar documents, highlighting, caches and the document-set engine."""

import html
import random
import re
from datetime import date, timedelta

import pytest
from whoosh import query as wq

from indexer.index import PUBLIC_ONLY, SearchIndex
from indexer.search import expand_prefixes, parse
from tests.indexer.test_index import ALL_IDS, CORPUS, PUBLIC_IDS, STAFF, ids


@pytest.fixture(scope="module")
def idx(tmp_path_factory):
    index = SearchIndex(tmp_path_factory.mktemp("more") / "index")
    index.rebuild(CORPUS)
    return index


@pytest.fixture
def fresh(tmp_path):
    index = SearchIndex(tmp_path / "index", batch_size=7)  # several segments
    index.add_many(CORPUS)
    return index


def _only_mark_tags(text):
    return set(re.findall(r"<[^>]*>", text)) <= {"<mark>", "</mark>"}


# --- more_like --------------------------------------------------------------


def test_more_like_finds_related_documents(idx):
    similar = [h.id for h in idx.more_like("d14")]
    assert "d15" in similar  # both about "transparencia proactiva"
    assert "d14" not in similar


@pytest.mark.parametrize("doc_id", sorted(PUBLIC_IDS))
def test_more_like_never_returns_restricted_or_itself(idx, doc_id):
    similar = [h.id for h in idx.more_like(doc_id, limit=50)]
    assert set(similar) <= PUBLIC_IDS - {doc_id}
    assert len(similar) == len(set(similar))


@pytest.mark.parametrize("doc_id", ["d22", "d23", "d24", "nope", ""])
def test_more_like_of_a_restricted_or_unknown_source_is_empty_for_the_public(idx, doc_id):
    assert idx.more_like(doc_id) == []
    assert idx.more_like(doc_id, visibility="public") == []


def test_more_like_for_staff(idx):
    similar = [h.id for h in idx.more_like("d22", visibility=STAFF, limit=50)]
    assert similar and "d22" not in similar
    assert set(similar) <= ALL_IDS
    assert idx.more_like("d22", visibility=set()) == []


def test_more_like_limit_and_hits(idx):
    hits = idx.more_like("d05", limit=2)
    assert len(hits) <= 2
    assert idx.more_like("d05", limit=0) == []
    for h in idx.more_like("d19", limit=50):
        assert _only_mark_tags(h.snippet) and "<script" not in h.snippet


def test_more_like_follows_visibility_changes(fresh):
    similar = [h.id for h in fresh.more_like("d14", limit=50)]
    assert "d15" in similar
    d15 = dict(next(d for d in CORPUS if d["id"] == "d15"), visibility="restricted")
    fresh.add_many([d15])
    assert "d15" not in [h.id for h in fresh.more_like("d14", limit=50)]
    assert fresh.more_like("d15") == []
    assert "d15" in [h.id for h in fresh.more_like("d14", visibility=STAFF, limit=50)]


# --- highlight ----------------------------------------------------------------


@pytest.mark.parametrize(
    "query,text,expected",
    [
        ("participacion", "La participación ciudadana.", "La <mark>participación</mark> ciudadana."),
        ("reuniones", "Una reunión y dos reuniones.", "Una <mark>reunión</mark> y dos <mark>reuniones</mark>."),
        ("PARTICIPACIÓN", "participacion", "<mark>participacion</mark>"),
        ("transpar*", "Transparencia y datos transparentes; trans.",
         "<mark>Transparencia</mark> y datos <mark>transparentes</mark>; trans."),
        ("minuta -contrataciones", "Minuta de contrataciones", "<mark>Minuta</mark> de contrataciones"),
        ("minuta NOT contrataciones", "Minuta de contrataciones", "<mark>Minuta</mark> de contrataciones"),
        ('"lista de asistencia"', "La lista de asistencia.", "La <mark>lista</mark> de <mark>asistencia</mark>."),
        ("acta OR minuta", "Acta y minuta", "<mark>Acta</mark> y <mark>minuta</mark>"),
    ],
)
def test_highlight_marks_what_the_search_matches(idx, query, text, expected):
    assert idx.highlight(text, query) == expected


def test_highlight_escapes_everything_and_keeps_newlines(idx):
    text = 'Línea 1 <script>alert("x")</script>\n\nLínea 2 & <b>transparencia</b>\r\n'
    out = idx.highlight(text, "transparencia script")
    assert out == (
        'Línea 1 &lt;<mark>script</mark>&gt;alert("x")&lt;/<mark>script</mark>&gt;\n\n'
        "Línea 2 &amp; &lt;b&gt;<mark>transparencia</mark>&lt;/b&gt;\r\n"
    )
    assert _only_mark_tags(out)


@pytest.mark.parametrize("query", ["", "   ", None, "de la", "*", "AND OR (", '"', "((", "zzzq*", "\x00", "🙂"])
def test_highlight_without_anything_to_mark_is_escaped_text(idx, query):
    text = "Texto <i>con</i> marcas & nada que resaltar.\n"
    assert idx.highlight(text, query) == html.escape(text, quote=False)


def test_highlight_truncates(idx):
    text = "transparencia " * 100
    out = idx.highlight(text, "transparencia", max_chars=30)
    assert out == "<mark>transparencia</mark> <mark>transparencia</mark> tr"
    assert idx.highlight(text, "transparencia", max_chars=0) == ""


@pytest.mark.parametrize("text", [None, 42, "", b"bytes"])
def test_highlight_never_raises(idx, text):
    assert isinstance(idx.highlight(text, "transparencia"), str)
    assert isinstance(idx.highlight("transparencia", object()), str)


def test_highlight_long_text(idx):
    words = ["participación", "<x>", "reunión", "plan", "acción", "de", "la", "Transparencia"]
    rng = random.Random(3)
    text = "\n".join(" ".join(rng.choices(words, k=12)) for _ in range(5000))
    out = idx.highlight(text, "participacion reuniones", max_chars=200_000)
    plain = re.sub(r"</?mark>", "", out)
    assert html.unescape(plain) == text[:200_000]
    assert out.count("<mark>") == len(re.findall(r"participación|reunión", text[:200_000]))
    assert "<x>" not in out


# --- caches -----------------------------------------------------------------


def test_cached_answers_are_not_shared(idx):
    first = idx.search("transparencia")
    first.hits.clear()
    first.facets["milestone"].clear()
    again = idx.search("transparencia")
    assert again.hits and again.facets["milestone"]


def test_cache_is_keyed_by_visibility(tmp_path):
    index = SearchIndex(tmp_path / "index")
    index.rebuild(CORPUS)
    assert ids(index.search("ornitorrinco", visibility=STAFF)) == {"d22"}
    assert index.search("ornitorrinco").total == 0
    assert index.search("ornitorrinco", visibility=STAFF).total == 1
    assert index.search("", per_page=100).total == len(PUBLIC_IDS)
    assert index.search("", per_page=100, visibility=STAFF).total == len(ALL_IDS)
    assert [h.id for h in index.more_like("d22", visibility=STAFF)]
    assert index.more_like("d22") == []


def test_writes_by_another_instance_invalidate_the_cache(tmp_path):
    path = tmp_path / "index"
    reader = SearchIndex(path)
    reader.rebuild(CORPUS)
    assert reader.search("hackaton").total == 0
    writer = SearchIndex(path)
    writer.add_many([{"id": "h1", "title": "Hackatón cívico", "visibility": "public"}])
    assert ids(reader.search("hackaton")) == {"h1"}
    writer.delete_many(["h1"])
    assert reader.search("hackaton").total == 0


def test_cache_can_be_disabled(tmp_path):
    index = SearchIndex(tmp_path / "index", cache_size=0)
    index.rebuild(CORPUS)
    assert index.search("transparencia").total == index.search("transparencia").total > 0


# --- the document-set engine against Whoosh's own matchers ----------------------

QUERIES = [
    "transparencia", "participacion ciudadana", "minuta OR relatoria", "minuta -contrataciones",
    "transpar*", "(informe OR minuta) (participacion OR contrataciones)", "informe -presupuesto -reunion",
    "(minuta -contrataciones) OR (informe -participacion)", "padron", "capacit* NOT curso",
    '"lista de asistencia"', 'informe "rendicion de cuentas"', "datos abiertos", "-minuta",
    '"lista asistencia"~3', '"plan accion"~2 OR "reunion instalacion"', '"minuta -contrataciones"',
]


def _whoosh(index, text, levels):
    """Totals and ranking straight from Whoosh, for comparison."""
    with index._session() as (s, view):
        vocab = ("vocab_public",) if levels == PUBLIC_ONLY else ("vocab_public", "vocab_restricted")
        q = expand_prefixes(parse(index._parser, text), s.reader(), vocab)
        restriction = wq.Or([wq.Term("visibility", v) for v in sorted(levels)])
        results = s.search(wq.Require(q, restriction), limit=None, optimize=False)
        return len(results), [results[i]["id"] for i in range(len(results))]


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("levels", [PUBLIC_ONLY, frozenset(STAFF)])
def test_totals_and_ranking_equal_whoosh(fresh, text, levels):
    fresh.add_many([dict(CORPUS[4], title="Relatoría revisada del taller de co-creación")])  # a deletion
    total, ranking = _whoosh(fresh, text, levels)
    results = fresh.search(text, visibility=levels, per_page=100)
    assert results.total == total
    assert [h.id for h in results.hits] == ranking
    assert sum(results.facets["file_type"].values()) == total


def _dated_docs(n, seed=5):
    rng = random.Random(seed)
    start = date(2015, 1, 1)
    words = "minuta informe relatoria convocatoria padron presupuesto auditoria".split()
    for i in range(n):
        yield {
            "id": f"x{i}",
            "title": " ".join(rng.choices(words, k=3)),
            "date": None if i % 50 == 0 else start + timedelta(days=rng.randrange(3000)),
            "milestone": str(i % 7),
            "file_type": rng.choice(["pdf", "docx"]),
            "visibility": "restricted" if i % 10 == 0 else "public",
        }


@pytest.mark.parametrize("query", ["", "minuta", "minuta informe", "auditoria padron presupuesto"])
def test_date_order_on_dense_and_sparse_results(tmp_path, query):
    docs = list(_dated_docs(1500))
    index = SearchIndex(tmp_path / "index", batch_size=400)
    index.add_many(docs)
    index.delete_many([f"x{i}" for i in range(1, 1500, 37)])
    results = index.search(query, sort="date", per_page=100, page=2)
    with index._session() as (s, view):
        q = parse(index._parser, query) if query else wq.Every()
        expected = s.search(wq.Require(q, wq.Term("visibility", "public")), limit=None, optimize=False)
        by_date = sorted(
            ((hit.get("date"), hit["id"]) for hit in expected),
            key=lambda kv: kv[0].toordinal() if kv[0] else 0,
            reverse=True,
        )
    assert results.total == len(by_date)
    dates = [h.date for h in results.hits]
    assert dates == [d.date() if d else None for d, _ in by_date[100:200]]


def test_parallel_rebuild(tmp_path):
    index = SearchIndex(tmp_path / "index", batch_size=5)
    index.add_many(CORPUS)
    docs = list(_dated_docs(300))
    assert index.rebuild(iter(docs), procs=2) == 300
    assert index.count() == 300 and index.doc_ids() == {d["id"] for d in docs}
    assert index.search("", visibility=STAFF).total == 300
    assert index.search("padron").total == SearchIndex(tmp_path / "index").search("padron").total > 0
    assert index.search("transparencia").total == 0  # the old documents are gone


# --- randomized comparison with Whoosh, several segments and deletions ---------------

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
    index = SearchIndex(tmp_path_factory.mktemp("churn") / "index", batch_size=60)
    index.add_many(docs)
    index.add_many(dict(d, visibility="restricted") for d in docs[::17])  # updates: deletions
    index.delete_many(d["id"] for d in docs[5::23])
    return index


@pytest.mark.parametrize("seed", range(40))
def test_random_queries_agree_with_whoosh(churned, seed):
    rng = random.Random(seed)
    text = _random_query(rng)
    levels = PUBLIC_ONLY if seed % 3 else frozenset(STAFF)
    filters = {"milestone": str(rng.randint(1, 5))} if seed % 4 == 0 else {}
    results = churned.search(text, visibility=levels, filters=filters, per_page=100)
    with churned._session() as (s, view):
        vocab = ("vocab_public",) if levels == PUBLIC_ONLY else ("vocab_public", "vocab_restricted")
        q = expand_prefixes(parse(churned._parser, text), s.reader(), vocab)
        restriction = wq.And(
            [wq.Or([wq.Term("visibility", v) for v in sorted(levels)])]
            + [wq.Term(k, v) for k, v in filters.items()]
        )
        from whoosh import sorting

        expected = s.search(
            wq.Require(q, restriction), limit=None, optimize=False,
            groupedby={f: sorting.FieldFacet(f, maptype=sorting.Count) for f in ("milestone", "means")},
        )
        scores = {expected[i]["id"]: expected.score(i) for i in range(len(expected))}
        facets = {f: {k: v for k, v in expected.groups(f).items() if k} for f in ("milestone", "means")}
    assert results.total == len(expected), text
    assert {f: results.facets[f] for f in facets} == facets, text
    got = [h.id for h in results.hits]
    assert set(got) == set(scores) or len(got) == 100, text
    ordered = [scores[i] for i in got]
    assert all(a >= b - 1e-9 * max(1.0, abs(a)) for a, b in zip(ordered, ordered[1:])), text
