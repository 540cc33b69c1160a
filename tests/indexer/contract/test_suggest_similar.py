"""Contract: spelling suggestions and similar documents ("más como esto")."""

from __future__ import annotations

import re

import pytest

from tests.indexer.corpus import ALL_IDS, CORPUS, PUBLIC, PUBLIC_IDS, STAFF

# --- suggestions ------------------------------------------------------------------


@pytest.mark.parametrize(
    "query,expected",
    [
        ("transparensia", "transparencia"),
        ("partisipacion ciudadana", "participacion ciudadana"),
        ("Contrataziones", "Contrataciones"),
        ("reunion de instalasion", "reunion de instalacion"),
    ],
)
def test_typo_suggestion(idx, query, expected):
    assert idx.search(query, visibility=PUBLIC).suggestion == expected
    assert idx.suggest(query, visibility=PUBLIC) == expected


@pytest.mark.parametrize("query", ["transparencia", "capacitaciones", "reuniones 2022", "transpar*", ""])
def test_no_suggestion_for_known_words(idx, query):
    assert idx.search(query, visibility=PUBLIC).suggestion is None
    assert idx.suggest(query, visibility=PUBLIC) is None


def test_no_suggestion_without_a_close_word(idx):
    assert idx.suggest("xylofonografia", visibility=STAFF) is None


# --- similar documents --------------------------------------------------------------


def _only_mark_tags(text):
    return set(re.findall(r"<[^>]*>", text)) <= {"<mark>", "</mark>"}


def test_similar_finds_related_documents(idx):
    similar = [h.id for h in idx.similar("d14", visibility=PUBLIC)]
    assert "d15" in similar  # both about "transparencia proactiva"
    assert "d14" not in similar


@pytest.mark.parametrize("doc_id", sorted(PUBLIC_IDS))
def test_similar_never_returns_restricted_or_itself(idx, doc_id):
    similar = [h.id for h in idx.similar(doc_id, visibility=PUBLIC, limit=50)]
    assert set(similar) <= PUBLIC_IDS - {doc_id}
    assert len(similar) == len(set(similar))


@pytest.mark.parametrize("doc_id", ["d22", "d23", "d24", "nope", ""])
def test_similar_of_a_restricted_or_unknown_source_is_empty_for_the_public(idx, doc_id):
    assert idx.similar(doc_id, visibility=PUBLIC) == []
    assert idx.similar(doc_id, visibility={PUBLIC}) == []


def test_similar_for_staff(idx):
    similar = [h.id for h in idx.similar("d22", visibility=STAFF, limit=50)]
    assert similar and "d22" not in similar
    assert set(similar) <= ALL_IDS
    assert idx.similar("d22", visibility=set()) == []


def test_similar_limit_and_hits(idx):
    assert len(idx.similar("d05", visibility=PUBLIC, limit=2)) <= 2
    assert idx.similar("d05", visibility=PUBLIC, limit=0) == []
    for h in idx.similar("d19", visibility=PUBLIC, limit=50):
        assert _only_mark_tags(h.snippet) and "<script" not in h.snippet


def test_similar_follows_visibility_changes(fresh):
    assert "d15" in [h.id for h in fresh.similar("d14", visibility=PUBLIC, limit=50)]
    d15 = dict(next(d for d in CORPUS if d["id"] == "d15"), visibility="restricted")
    fresh.add([d15])
    assert "d15" not in [h.id for h in fresh.similar("d14", visibility=PUBLIC, limit=50)]
    assert fresh.similar("d15", visibility=PUBLIC) == []
    assert "d15" in [h.id for h in fresh.similar("d14", visibility=STAFF, limit=50)]
