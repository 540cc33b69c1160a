"""Contract: facets, filters, paging, sorting and the fields of a hit."""

from __future__ import annotations

import math
from datetime import date

import pytest

from indexer import FACETS, SearchResults
from tests.indexer.corpus import CORPUS, PUBLIC, PUBLIC_IDS, STAFF, all_ids, dated_docs, ids


def _expected_counts(key, docs):
    counts = {}
    for d in docs:
        value = str(d["date"][:4]) if key == "year" and "date" in d else d.get(key)
        if value is not None:
            counts[value] = counts.get(value, 0) + 1
    return counts


def test_facets_cover_the_whole_result_set_not_the_page(idx):
    results = idx.search("", visibility=PUBLIC, per_page=3)
    public = [d for d in CORPUS if d["id"] in PUBLIC_IDS]
    assert len(results.hits) == 3
    assert results.total == len(PUBLIC_IDS)
    assert tuple(results.facets) == FACETS
    for key in FACETS:
        assert results.facets[key] == _expected_counts(key, public), key


def test_facets_are_sorted_by_count_then_value(idx):
    for values in idx.search("", visibility=PUBLIC).facets.values():
        assert list(values.items()) == sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))


def test_facets_of_a_query(idx):
    results = idx.search("minuta", visibility=PUBLIC)
    assert results.facets["means"]["Minuta"] == sum(
        1 for d in CORPUS if d["means"] == "Minuta" and d["id"] in PUBLIC_IDS
    )
    assert sum(results.facets["milestone"].values()) == results.total


@pytest.mark.parametrize(
    "filters",
    [
        {"milestone": "1"},
        {"means": "Minuta"},
        {"year": 2023},
        {"file_type": ["pdf", "pptx"]},
        {"year": "2022", "means": ["Informe", "Minuta"]},
    ],
)
def test_filters(idx, filters):
    def keep(d):
        for key, value in filters.items():
            values = {str(v) for v in (value if isinstance(value, list) else [value])}
            actual = d.get("date", "")[:4] if key == "year" else d.get(key)
            if actual not in values:
                return False
        return d["id"] in PUBLIC_IDS

    expected = {d["id"] for d in CORPUS if keep(d)}
    results = idx.search("", visibility=PUBLIC, filters=filters, per_page=100)
    assert ids(results) == expected
    assert results.total == len(expected)


def test_filters_with_a_query(idx):
    assert all_ids(idx, "minuta", filters={"milestone": "2"}) == {"d07"}


def test_keyword_values_round_trip_verbatim(backend):
    backend.add([
        {"id": 1, "title": "uno", "file_type": "Word (DOCX)", "milestone": 7, "activity": "",
         "means": "Lista de asistencia", "visibility": "public"},
        {"id": 2, "title": "dos", "file_type": "PDF", "visibility": "public"},
    ])
    results = backend.search("", visibility=PUBLIC)
    assert results.facets["file_type"] == {"PDF": 1, "Word (DOCX)": 1}
    assert results.facets["milestone"] == {"7": 1}
    assert ids(backend.search("", visibility=PUBLIC, filters={"file_type": "Word (DOCX)"})) == {"1"}
    filters = {"milestone": 7, "means": "Lista de asistencia"}
    assert ids(backend.search("", visibility=PUBLIC, filters=filters)) == {"1"}


def test_unknown_filters_and_sorts_are_rejected(idx):
    with pytest.raises(ValueError):
        idx.search("", visibility=PUBLIC, filters={"visibility": "restricted"})
    with pytest.raises(ValueError):
        idx.search("", visibility=PUBLIC, sort="title")


def test_paging(idx):
    seen = []
    first = idx.search("", visibility=PUBLIC, per_page=5)
    assert first.pages == math.ceil(len(PUBLIC_IDS) / 5)
    for page in range(1, first.pages + 1):
        results = idx.search("", visibility=PUBLIC, per_page=5, page=page)
        assert (results.total, results.page, results.per_page) == (len(PUBLIC_IDS), page, 5)
        seen += [h.id for h in results.hits]
    assert len(seen) == len(set(seen)) == len(PUBLIC_IDS)
    beyond = idx.search("", visibility=PUBLIC, per_page=5, page=first.pages + 1)
    assert beyond.hits == [] and beyond.total == len(PUBLIC_IDS)


def test_paging_arguments_are_clamped(idx):
    results = idx.search("", visibility=PUBLIC, page=0, per_page=10_000)
    assert (results.page, results.per_page) == (1, 100)
    assert idx.search("", visibility=PUBLIC, per_page=0).per_page == 1


@pytest.mark.parametrize("query", ["", "transparencia", '"lista de asistencia"'])
@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_a_page_past_the_end_is_empty_however_large(idx, query, sort):
    total = idx.search(query, visibility=PUBLIC, sort=sort).total
    for page in (10**6, 10**30):
        results = idx.search(query, visibility=PUBLIC, page=page, sort=sort)
        assert (results.total, results.hits, results.page) == (total, [], page)


def _newest_first(hits):
    dates = [h.date for h in hits]
    dated = [d for d in dates if d is not None]
    return dated == sorted(dated, reverse=True) and dates[: len(dated)] == dated


def test_empty_query_lists_newest_first(idx):
    results = idx.search("", visibility=PUBLIC, per_page=100)
    assert results.hits[0].id == "d20"
    assert results.hits[-1].id == "d25"  # undated last
    assert _newest_first(results.hits)
    assert results.suggestion is None


def test_sort_by_date(idx):
    results = idx.search("transparencia", visibility=PUBLIC, sort="date")
    assert len(results.hits) > 2
    assert _newest_first(results.hits)
    assert ids(results) == ids(idx.search("transparencia", visibility=PUBLIC))


@pytest.mark.parametrize("query", ["", "minuta", "minuta informe", "auditoria padron presupuesto"])
def test_date_order_on_dense_and_sparse_results(backend, query):
    """Newest first (undated last) over 1500 documents with deletions, on
    page 2: the dates equal those of the expected documents."""
    docs = list(dated_docs(1500))
    backend.add(docs)
    deleted = {f"x{i}" for i in range(1, 1500, 37)}
    backend.delete(deleted)
    results = backend.search(query, visibility=PUBLIC, sort="date", per_page=100, page=2)
    words = query.split()
    expected = [
        d["date"] for d in docs
        if d["visibility"] == PUBLIC and d["id"] not in deleted and all(w in d["title"].split() for w in words)
    ]
    expected.sort(key=lambda d: d.toordinal() if d else 0, reverse=True)
    assert results.total == len(expected)
    assert [h.date for h in results.hits] == expected[100:200]


def test_hit_fields(idx):
    hit = next(h for h in idx.search("padron", visibility=PUBLIC).hits if h.id == "d20")
    assert hit.title == "Padrón de beneficiarios: versión pública"
    assert (hit.milestone, hit.means, hit.file_type) == ("1", "Informe", "xlsx")
    assert hit.date == date(2024, 5, 10)


def test_results_are_plain_values(idx):
    results = idx.search("transparencia", visibility=STAFF)
    assert isinstance(results, SearchResults)
    for hit in results.hits:
        assert isinstance(hit.id, str) and isinstance(hit.snippet, str)


def test_cached_answers_are_not_shared(idx):
    first = idx.search("transparencia", visibility=PUBLIC)
    first.hits.clear()
    first.facets["milestone"].clear()
    again = idx.search("transparencia", visibility=PUBLIC)
    assert again.hits and again.facets["milestone"]
