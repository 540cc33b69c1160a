"""Contract: Spanish words, boolean operators, phrases and prefixes."""

from __future__ import annotations

import pytest

from tests.indexer.corpus import PUBLIC, all_ids, load_pairs

PAIRS = load_pairs()


@pytest.fixture(scope="module")
def pairs_index(backend_factory, tmp_path_factory):
    """One document per side of each pair of spanish_pairs.tsv."""
    index = backend_factory.open(tmp_path_factory.mktemp("pairs") / "index")
    docs = []
    for n, (_, left, right, _) in enumerate(PAIRS):
        docs += [{"id": f"L{n}", "title": left, "visibility": PUBLIC},
                 {"id": f"R{n}", "title": right, "visibility": PUBLIC}]
    index.rebuild(docs)
    yield index
    index.close()


def test_spanish_pairs_meet_or_stay_apart(pairs_index):
    """Accented/unaccented, singular/plural and case forms find each other in
    both directions; different words do not."""
    wrong = []
    for n, (relation, left, right, category) in enumerate(PAIRS):
        found = f"L{n}" in all_ids(pairs_index, right) and f"R{n}" in all_ids(pairs_index, left)
        if found != (relation == "same"):
            wrong.append(f"{category}: {left!r} / {right!r} should be {relation}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    "query,expected",
    [
        ("participacion", {"d05", "d09", "d18"}),  # accented and unaccented documents
        ("participación", {"d05", "d09", "d18"}),
        ("PARTICIPACION CIUDADANA", {"d05", "d09"}),
        ("queretaro", {"d12"}),
        ("compania", {"d03", "d26"}),
        ("investigacion", {"d06", "d26"}),
        ("reuniones", {"d01", "d03", "d11", "d26"}),
        ("metodologia", {"d03", "d04"}),
        ("anos", {"d26"}),
        ("capacitaciones", {"d06", "d14", "d26"}),
    ],
)
def test_accents_plurals_and_case(idx, query, expected):
    assert expected <= all_ids(idx, query)


def test_and_is_the_default(idx):
    both = all_ids(idx, "transparencia proactiva")
    assert both == all_ids(idx, "transparencia") & all_ids(idx, "proactiva")
    assert {"d14", "d15"} <= both and "d04" not in both


def test_or(idx):
    assert all_ids(idx, "minuta OR relatoria") == all_ids(idx, "minuta") | all_ids(idx, "relatoria")


def test_exclusion(idx):
    expected = all_ids(idx, "minuta") - all_ids(idx, "contrataciones")
    assert "d11" in all_ids(idx, "minuta")
    assert all_ids(idx, "minuta -contrataciones") == expected
    assert all_ids(idx, "minuta NOT contrataciones") == expected


def test_grouping(idx):
    grouped = all_ids(idx, "(minuta OR relatoria) contrataciones")
    assert grouped == (all_ids(idx, "minuta") | all_ids(idx, "relatoria")) & all_ids(idx, "contrataciones")
    assert grouped


def test_exact_phrase(idx):
    loose = all_ids(idx, "lista asistencia")
    phrase = all_ids(idx, '"lista de asistencia"')
    assert "d17" in loose and "d17" not in phrase  # both words, not together
    assert {"d07", "d02", "d13"} <= phrase  # d02/d13: the means name is searchable


@pytest.mark.parametrize("write", ["add", "rebuild"])
def test_phrases_keep_word_order_and_fields(backend, write):
    """A phrase matches its words together and in order (stop words between
    them do not count), never across two fields; documents added one by one
    or by a rebuild (which may index pairs of words: see the PostgreSQL backend)."""
    filler = "palabra " * 2_000
    getattr(backend, write)([
        {"id": "order", "title": "Cuentas y rendición", "visibility": PUBLIC},
        {"id": "stop", "title": "Rendición de las cuentas públicas", "visibility": PUBLIC},
        {"id": "fields", "title": "Informe de rendición", "text": "Cuentas del trimestre", "visibility": PUBLIC},
        {"id": "deep", "title": "Anexo", "text": filler + "la rendición de cuentas del año", "visibility": PUBLIC},
        {"id": "three", "title": "Informe y rendición", "text": "rendición de cuentas", "visibility": PUBLIC},
    ])
    assert all_ids(backend, '"rendición de cuentas"') == {"stop", "deep", "three"}
    assert all_ids(backend, '"informe de rendición de cuentas"') == set()
    assert all_ids(backend, '"informe rendición"') == {"fields", "three"}
    assert all_ids(backend, '"rendición cuentas públicas"') == {"stop"}
    assert all_ids(backend, '"rendición de cuentas" -anexo') == {"stop", "three"}
    assert all_ids(backend, '"cuentas rendición" OR "cuentas trimestre"') == {"order", "fields"}


def test_prefix(idx):
    assert {"d04", "d14", "d15", "d19"} <= all_ids(idx, "transpar*")
    assert {"d06", "d14", "d26"} <= all_ids(idx, "capacit*")
    assert all_ids(idx, "zzzq*") == set()


def test_milestone_objective_and_means_are_searchable(idx):
    assert {"d02", "d13"} <= all_ids(idx, "lista de asistencia")
    assert {"d20", "d21"} <= all_ids(idx, "beneficiarios programas sociales")


def test_title_outweighs_body(idx):
    order = [h.id for h in idx.search("padron", visibility=PUBLIC).hits]
    assert order[0] == "d20"
    assert order.index("d20") < order.index("d21")
