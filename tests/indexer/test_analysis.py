"""The Spanish analyzer must make accented/unaccented, singular/plural and
upper/lower-case forms meet in BOTH directions, and keep different words apart."""

import pickle

import pytest

from indexer.analysis import (
    STOP_WORDS,
    SpanishAnalyzer,
    analyze,
    analyzer_fingerprint,
    fold,
    stem,
)
from tests.indexer.corpus import load_pairs


def _load_pairs():
    return [
        pytest.param(relation, left, right, id=f"{category}:{left}|{right}")
        for relation, left, right, category in load_pairs()
    ]


PAIRS = _load_pairs()


def test_pair_file_is_big_enough():
    same = [p for p in PAIRS if p.values[0] == "same"]
    different = [p for p in PAIRS if p.values[0] == "different"]
    assert len(same) >= 200
    assert len(different) >= 10


@pytest.mark.parametrize("relation,left,right", PAIRS)
def test_pair(relation, left, right):
    a, b = analyze(left), analyze(right)
    assert a, f"{left!r} analyzed to nothing"
    assert b, f"{right!r} analyzed to nothing"
    if relation == "same":
        assert a == b, f"{left!r}->{a} but {right!r}->{b}"
    else:
        assert a != b, f"{left!r} and {right!r} collide on {a}"


def test_pair_score_is_total():
    """One number for the report: share of pairs that behave as declared."""
    ok = sum(
        (analyze(left) == analyze(right)) == (relation == "same")
        for relation, left, right in (p.values for p in PAIRS)
    )
    assert ok == len(PAIRS)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Compañía", "compania"),
        ("LINGÜÍSTICA", "linguistica"),
        ("Participación", "participacion"),
        ("Ñandú", "nandu"),
        ("plain ascii", "plain ascii"),
    ],
)
def test_fold(text, expected):
    assert fold(text) == expected


def test_both_directions_meet_where_plain_snowball_does_not():
    """The two failure modes named in the design, fixed."""
    assert stem("investigacion") == stem(fold("investigaciones")) == stem(fold("investigación"))
    assert analyze("metodologia") == analyze("metodología") == analyze("metodologías")
    assert analyze("actas") == analyze("acta")
    assert analyze("ciudades") == analyze("ciudad")


def test_stop_words_are_folded_and_removed():
    assert {"mas", "el", "esta", "tu"} <= STOP_WORDS
    assert analyze("más él está de la y tú") == []


def test_government_nouns_are_not_stop_words():
    assert analyze("Estado de México") == ["estad", "mexic"]
    assert analyze("en sentido estricto") == ["sent", "estrict"]


def test_numbers_and_single_letters_survive():
    assert analyze("Compromiso 5, inciso b, año 2024") == ["compromis", "5", "incis", "b", "ano", "2024"]


def test_analyzer_survives_pickling():
    """Whoosh pickles the schema, analyzers included, into the index TOC."""
    analyzer = pickle.loads(pickle.dumps(SpanishAnalyzer()))
    assert [t.text for t in analyzer("Reuniones de Participación")] == analyze("reunión participacion")


def test_token_offsets_point_into_original_text():
    """Highlighting relies on character offsets of the unfolded text."""
    text = "La Participación ciudadana"
    tokens = [(t.text, text[t.startchar : t.endchar]) for t in SpanishAnalyzer()(text, chars=True)]
    assert tokens == [("particip", "Participación"), ("ciudadan", "ciudadana")]


def test_fingerprint_is_stable():
    assert analyzer_fingerprint() == analyzer_fingerprint()
    assert len(analyzer_fingerprint()) == 16
