"""Contract: nothing restricted may reach someone who may not see it."""

from __future__ import annotations

import pytest

from tests.indexer.corpus import ALL_IDS, CORPUS, PUBLIC, PUBLIC_IDS, STAFF, all_ids, ids


def test_visibility_is_required(idx):
    with pytest.raises(TypeError):
        idx.search("transparencia")
    with pytest.raises(TypeError):
        idx.similar("d14")
    with pytest.raises(TypeError):
        idx.suggest("transparensia")


def test_restricted_word_is_invisible_to_the_public(idx):
    for query in ["ornitorrinco", "ornitor*", '"clave del expediente"', "ornitorrinco OR zzz"]:
        results = idx.search(query, visibility=PUBLIC)
        assert results.total == 0 and results.hits == [], query
        assert all(f == {} for f in results.facets.values()), query


def test_restricted_word_never_suggested_to_the_public(idx):
    for query in ["ornitorrinko", "ornitorinco", "ornitorrinco", "Ornitorrinko"]:
        assert idx.search(query, visibility=PUBLIC).suggestion is None, query
        assert idx.search(query, visibility={PUBLIC}).suggestion is None, query
        assert idx.suggest(query, visibility=PUBLIC) is None, query


def test_restricted_words_do_not_expand_public_prefixes(idx):
    assert idx.search("ornitor*", visibility=PUBLIC).total == 0
    assert all_ids(idx, "ornitor*", visibility=STAFF) == {"d22"}
    assert all_ids(idx, "quetzal*", visibility=STAFF) == {"d24"}


def test_restricted_documents_do_not_count_in_totals_or_facets(idx):
    results = idx.search("auditoria", visibility=PUBLIC)
    assert ids(results) == {"d12"} and results.total == 1
    browse = idx.search("", visibility=PUBLIC, per_page=100)
    assert browse.total == len(PUBLIC_IDS)
    assert "99" not in browse.facets["milestone"]
    assert "odt" not in browse.facets["file_type"]
    assert "2019" not in browse.facets["year"]
    assert not any("ornitorrinco" in h.snippet for h in browse.hits)
    assert "d22" not in all_ids(idx, "transparencia")


def test_missing_visibility_means_restricted(idx):
    assert idx.search("quetzalcoatlus", visibility=PUBLIC).total == 0
    assert all_ids(idx, "quetzalcoatlus", visibility=STAFF) == {"d24"}


def test_staff_see_restricted_documents(idx):
    results = idx.search("ornitorrinco", visibility=STAFF)
    assert ids(results) == {"d22"}
    assert "<mark>ornitorrinco</mark>" in results.hits[0].snippet
    assert results.facets["milestone"] == {"99": 1}
    assert idx.search("ornitorrinko", visibility=STAFF).suggestion == "ornitorrinco"
    assert idx.suggest("ornitorrinko", visibility=STAFF) == "ornitorrinco"
    assert all_ids(idx, "auditoria", visibility=STAFF) == {"d12", "d22"}
    assert idx.search("", visibility=STAFF).total == len(ALL_IDS)


def test_restricted_only(idx):
    assert all_ids(idx, "", visibility="restricted") == ALL_IDS - PUBLIC_IDS


def test_no_visibility_sees_nothing(idx):
    assert idx.search("", visibility=set()).total == 0
    assert idx.search("transparencia", visibility=()).total == 0
    assert idx.similar("d14", visibility=set()) == []
    assert idx.suggest("transparensia", visibility=set()) is None


def test_answers_depend_on_visibility_even_when_remembered(fresh):
    for _ in range(2):  # the second round may come from a cache
        assert ids(fresh.search("ornitorrinco", visibility=STAFF)) == {"d22"}
        assert fresh.search("ornitorrinco", visibility=PUBLIC).total == 0
        assert fresh.search("", visibility=PUBLIC, per_page=100).total == len(PUBLIC_IDS)
        assert fresh.search("", visibility=STAFF, per_page=100).total == len(ALL_IDS)
        assert fresh.similar("d22", visibility=STAFF)
        assert fresh.similar("d22", visibility=PUBLIC) == []


def test_document_made_restricted_disappears_from_public_view(fresh):
    assert fresh.search("alcaldias", visibility=PUBLIC).total == 1
    d05 = dict(next(d for d in CORPUS if d["id"] == "d05"), visibility="restricted")
    fresh.add([d05])
    assert fresh.search("alcaldias", visibility=PUBLIC).total == 0
    assert fresh.search("alcaldiaz", visibility=PUBLIC).suggestion is None
    assert fresh.search("alcaldiaz", visibility=STAFF).suggestion == "alcaldias"
