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


def test_a_parallel_rebuild_whose_last_segment_holds_only_vocabulary(tmp_path):
    """Whoosh's parallel writer hands out jobs of 100 documents: with 200 documents and 3 processes the vocabulary
    documents make a segment of their own, without an id column. Counting and listing ids must still work (the
    app counts the index at every start; ``check`` lists its ids)."""
    docs = [_minuta(n, f"Acta {n} de la reunión de seguimiento, palabra{n}", "public" if n % 3 else "restricted")
            for n in range(1, 201)]
    ids = {d["id"] for d in docs}
    index = WhooshBackend(tmp_path / "index")
    assert index.rebuild(docs, procs=3) == 200
    again = WhooshBackend(tmp_path / "index")
    assert again.count() == 200 and again.doc_ids() == ids and set(again.doc_states()) == ids
    again.add([_minuta(201, "Otra acta")])
    assert again.count() == 201 and len(again.doc_ids()) == 201
    assert again.search("", visibility=STAFF).total == 201


def test_a_segment_of_vocabulary_documents_only_comes_after_documents(tmp_path):
    """What the parallel rebuild above leaves when that segment sorts last, made deterministic: Whoosh's
    multi-segment column reader skips a segment without the column and misnumbers the ones after it."""
    from collections import Counter

    from indexer.whoosh.writer import _add_vocabulary

    index = WhooshBackend(tmp_path / "index")
    index.add(DOCS)
    with index._store.writer() as writer:
        _add_vocabulary(writer, {VOCAB_PUBLIC: Counter({"carta": 5}), VOCAB_RESTRICTED: Counter()})
    with index._session("test", None) as (s, _):
        assert [r.has_column("id") for r, _ in s.reader().leaf_readers()] == [True, False]
    assert index.count() == len(DOCS) and index.doc_ids() == IDS and set(index.doc_states()) == IDS


def test_a_rebuild_counts_the_words_documents_added_one_by_one_count(tmp_path):
    """A rebuild gathers each document's words from the tokens it indexes (not from ``vocabulary()``): every
    word's document count per audience must be what documents added one by one give, awkward text included."""
    from tests.indexer.corpus import CORPUS
    from tests.indexer.whoosh.test_internals import _awkward_documents

    docs = [*CORPUS, *_awkward_documents(120), _minuta(999, "½ año, ﬁnanzas, e\u0301xito, İstanbul", "restricted")]
    rebuilt, added = WhooshBackend(tmp_path / "rebuilt"), WhooshBackend(tmp_path / "added", batch_size=1000)
    rebuilt.rebuild(docs)
    added.add(docs)

    def counts(index):
        with index._store.ix.reader() as reader:
            return {
                (field, word): reader.frequency(field, word)
                for field in (VOCAB_PUBLIC, VOCAB_RESTRICTED)
                for word in reader.field_terms(field)
            }

    found = counts(rebuilt)
    assert found == counts(added) and ("vocab_restricted", "finanzas") in found and len(found) > 200
