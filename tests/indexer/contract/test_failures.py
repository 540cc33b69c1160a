"""Contract: odd input never fails; a broken index or engine fails clearly."""

from __future__ import annotations

import logging

import pytest

from indexer import IndexCorrupt, SearchFailed, SearchResults
from tests.indexer.corpus import ALL_IDS, CORPUS, PUBLIC, PUBLIC_IDS, ids

NASTY = [
    '"', '"unbalanced quote', "AND OR (", "(((", ")", "*", "**", "?", "-", "--", "+", "NOT", "OR",
    '"" ""', "title:", "visibility:restricted", "[a TO", "{", "^", "~2", "\\", "/", ":", "\x00",
    "a" * 2000, "transparencia AND", "((transparencia", '"lista de', "año:2024", "🙂", "ñ*",
    "*transparencia", "trans*parencia", "transparencia^5", "'comillas", "de la", "el", "y o",
]


@pytest.mark.parametrize("query", NASTY)
def test_unparseable_queries_never_raise(idx, query):
    results = idx.search(query, visibility=PUBLIC)
    assert isinstance(results, SearchResults)
    assert ids(results) <= PUBLIC_IDS
    assert idx.suggest(query, visibility=PUBLIC) is None or isinstance(idx.suggest(query, visibility=PUBLIC), str)


@pytest.mark.parametrize("query", ["*", "de la", "AND OR (", '"'])
def test_nothing_searchable_lists_newest(idx, query):
    assert idx.search(query, visibility=PUBLIC).total == len(PUBLIC_IDS)


def test_internal_fields_cannot_be_addressed(idx):
    assert idx.search("visibility:restricted", visibility=PUBLIC).total == 0
    assert idx.search("ornitorrinco OR visibility:restricted", visibility=PUBLIC).total == 0


def test_an_engine_failure_is_logged_and_raised_not_an_empty_answer(backend_factory, fresh, monkeypatch, caplog):
    bug = backend_factory.break_engine(monkeypatch)
    caplog.set_level(logging.ERROR)
    for query in ("transparencia", "", '"lista de asistencia"', "transpar*"):
        caplog.clear()
        with pytest.raises(SearchFailed) as failure:
            fresh.search(query, visibility=PUBLIC)
        assert isinstance(failure.value.__cause__, bug), query
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert errors and errors[0].exc_info, f"{query!r} failed without a logged traceback"
    with pytest.raises(SearchFailed):
        fresh.similar("d14", visibility=PUBLIC)
    with pytest.raises(SearchFailed):
        fresh.suggest("transparensia", visibility=PUBLIC)


def test_corrupt_index_is_detected_and_can_be_reset(backend_factory, tmp_path):
    place = tmp_path / "index"
    index = backend_factory.open(place)
    index.add(CORPUS)
    index.close()
    backend_factory.corrupt(place)
    with pytest.raises(IndexCorrupt):
        backend_factory.open(place)
    index = backend_factory.open(place, reset_if_corrupt=True)
    assert index.created and index.count() == 0
    index.rebuild(CORPUS)
    assert backend_factory.open(place).doc_ids() == ALL_IDS


def test_corruption_after_opening_surfaces_as_index_corrupt(backend_factory, tmp_path):
    place = tmp_path / "index"
    index = backend_factory.open(place)
    index.add(CORPUS)
    backend_factory.corrupt(place)
    with pytest.raises(IndexCorrupt):
        index.search("transparencia", visibility=PUBLIC)
    index.rebuild(CORPUS)
    assert index.search("transparencia", visibility=PUBLIC).total > 0
