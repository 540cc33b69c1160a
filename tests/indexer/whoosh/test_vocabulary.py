"""Spelling vocabularies of a rebuilt Whoosh index: a few vocabulary documents
({word: documents}) per audience instead of one posting per word per
document. Nobody may notice them: not in counts, ids, totals or facets, not
in what suggestions prefer, and not in what the public is offered after a
document is restricted."""

from __future__ import annotations

import pytest

from indexer.whoosh import WhooshBackend
from indexer.whoosh.schema import VOCAB_PUBLIC, VOCAB_RESTRICTED
from tests.indexer.corpus import PUBLIC, STAFF, _doc


def _minuta(n, text, visibility="public"):
    return _doc(f"v{n:02d}", f"Minuta de la sesión {n}", "Minuta", "1", "2022-03-01", "pdf", text, visibility)


CARTA = [_minuta(n, "Se leyó la carta de la asociación vecinal.") for n in range(5)]
CARPA = [_minuta(5, "Se instaló una carpa en la plaza.")]
RESERVADO = [_minuta(6, "Expediente confidencialísimo del beneficiario.", "restricted")]
XILOFONO = [_minuta(7, "La xilofonista tocó al final de la sesión.")]
DOCS = CARTA + CARPA + RESERVADO + XILOFONO
IDS = {d["id"] for d in DOCS}


@pytest.fixture(params=["rebuilt", "added"])
def index(request, tmp_path):
    """The same documents written by a rebuild (vocabulary documents) and one
    by one (each document's own words): every answer here must agree."""
    index = WhooshBackend(tmp_path / "index", batch_size=3)
    if request.param == "rebuilt":
        index.rebuild(DOCS)
    else:
        index.add(DOCS)
    return index


def test_a_rebuild_writes_each_word_once_per_audience(tmp_path):
    index = WhooshBackend(tmp_path / "index")
    index.rebuild(DOCS)
    with index._session("test", None) as (s, _):
        reader = s.reader()
        assert reader.doc_frequency(VOCAB_PUBLIC, "carta") == 1
        assert reader.frequency(VOCAB_PUBLIC, "carta") == 5
        assert reader.doc_frequency(VOCAB_PUBLIC, "sesion") == 1
        assert reader.frequency(VOCAB_PUBLIC, "sesion") == 7  # the titles count too
        assert (VOCAB_PUBLIC, "confidencialisimo") not in reader
        assert reader.frequency(VOCAB_RESTRICTED, "confidencialisimo") == 1


def test_vocabulary_documents_are_not_documents(index):
    assert index.count() == len(DOCS)
    assert index.doc_ids() == IDS
    assert set(index.doc_states()) == IDS
    everything = index.search("", visibility=STAFF, per_page=100)
    assert everything.total == len(DOCS) and {h.id for h in everything.hits} == IDS
    assert sum(everything.facets["file_type"].values()) == len(DOCS)
    assert index.search("", visibility=PUBLIC, per_page=100).total == len(DOCS) - 1


def test_suggestions_prefer_the_word_more_documents_hold(index):
    # "carda" is one letter from "carta" (5 documents) and "carpa" (1).
    assert index.suggest("carda", visibility=PUBLIC) == "carta"
    assert index.search("carda", visibility=PUBLIC).suggestion == "carta"


def test_prefixes_expand_to_the_words_of_the_caller_s_audience(index):
    assert {h.id for h in index.search("carp*", visibility=PUBLIC).hits} == {"v05"}
    assert index.search("confidencial*", visibility=PUBLIC).total == 0
    assert [h.id for h in index.search("confidencial*", visibility=STAFF).hits] == ["v06"]


def test_a_document_restricted_after_a_rebuild_offers_its_words_to_staff_only(index):
    index.add([dict(XILOFONO[0], visibility="restricted")])
    assert index.search("xilofonist*", visibility=PUBLIC).total == 0
    assert index.suggest("xilofonistaa", visibility=PUBLIC) is None
    assert index.search("xilofonistaa", visibility=PUBLIC).suggestion is None
    assert index.suggest("xilofonistaa", visibility=STAFF) == "xilofonista"
    assert index.count() == len(DOCS)
