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
    spanish_chain,
    stem,
    term_positions,
    vocabulary,
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


_AWKWARD = (
    "Informe de la Sesión 3.ª: 1.5 % de avance; e.g. C.P. 44100, art. 7-bis, snake_case y CamelCase. "
    "Participacio\u0301n (acento combinado), ﬁnanzas (ligadura), STRAẞE, Ærø, ¿Qué? ¡Sí! — «comillas» "
    "niños, PINGÜINOS, acción/acciones, luz, luces, mes, meses, 2019-2021, 10:30 h, 😀 emoji, "
    "de la del y en el los las un una, Estado estados sentido, ÑANDÚ Ñandú ñandú, x y z"
)


@pytest.mark.parametrize(
    "text",
    [_AWKWARD, " ".join(p.values[1] + " " + p.values[2] for p in PAIRS), "", "   ", "de la y"],
    ids=["awkward", "all-pairs", "empty", "blank", "only-stop-words"],
)
def test_fast_analyze_yields_what_the_whoosh_chain_yields(text):
    """``analyze`` skips Whoosh's token objects for speed; both indexes must
    still hold the same terms, or a query would match in one backend only."""
    assert analyze(text) == [t.text for t in spanish_chain()(text)]


def _positions(analyzer, text, **kwargs):
    return [(t.text, t.pos, t.boost, t.stopped) for t in analyzer(text, positions=True, **kwargs)]


@pytest.mark.parametrize(
    "text",
    [_AWKWARD, "de la reunión de la mesa", "y", "", "Acta de la sesión. De la y el: Compromiso 5"],
    ids=["awkward", "leading-stop-words", "one-stop-word", "empty", "stop-words-between"],
)
def test_whoosh_analyzer_indexes_what_the_chain_indexes(text):
    """Whoosh indexes through SpanishAnalyzer's fast path: terms and
    positions (phrases depend on them) must be the chain's, wherever the
    stop words fall."""
    fast, chain = SpanishAnalyzer(), spanish_chain()
    assert _positions(fast, text, mode="index") == _positions(chain, text, mode="index")
    assert _positions(fast, text, start_pos=7) == _positions(chain, text, start_pos=7)
    assert [t.text for t in fast(text, mode="query")] == [t.text for t in chain(text, mode="query")]


def _chain_term_positions(text: str) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for t in spanish_chain()(text, positions=True):
        out.setdefault(t.text, []).append(t.pos)
    return out


@pytest.mark.parametrize(
    "text",
    [_AWKWARD, "de la reunión de la mesa", "y", "", "Acta de la sesión. De la y el: Compromiso 5", "acta acta de acta"],
)
def test_term_positions_are_the_chains(text):
    """A Whoosh rebuild takes each term's positions from ``term_positions``: phrases need the chain's."""
    assert list(term_positions(text).items()) == list(_chain_term_positions(text).items())


def test_whoosh_analyzer_keeps_the_chain_for_offsets_and_stop_words():
    text = "La Participación de la ciudadana"
    fast, chain = SpanishAnalyzer(), spanish_chain()
    offsets = [(t.text, t.startchar, t.endchar) for t in fast(text, chars=True)]
    assert offsets == [(t.text, t.startchar, t.endchar) for t in chain(text, chars=True)]
    kept = _positions(fast, text, removestops=False)
    assert kept == _positions(chain, text, removestops=False)
    assert [w for w, _, _, stopped in kept if stopped] == ["la", "de", "la"]
    assert fast.has_morph() and fast == SpanishAnalyzer()


@pytest.mark.parametrize("text", [_AWKWARD, "ÁRBOL Niño ÑANDÚ Über Ça", "e\u0301\u0327 i\u0307 ǅ ½ ℌ Å Å İstanbul", ""])
def test_fold_drops_marks_as_whole_text_decomposition_would(text):
    import unicodedata

    lowered = text.lower()
    reference = "".join(c for c in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(c))
    assert fold(text) == reference


def test_fast_analyze_on_upper_case_accented_text():
    text = "ÁRBOL Niño ÑANDÚ Über PARTICIPACIÓN, Sesión 3.ª"
    assert analyze(text) == [t.text for t in spanish_chain()(text)]


def test_fast_paths_agree_with_the_whoosh_chain_on_random_text():
    import random
    import unicodedata

    rng = random.Random(5)
    alphabet = "abcdeñáéíóúüÁÉÑ  ..,-_1ǅİß\u0301\u0327ﬁ½Ω😀\n"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        assert analyze(text) == [t.text for t in spanish_chain()(text)], repr(text)
        assert _positions(SpanishAnalyzer(), text) == _positions(spanish_chain(), text), repr(text)
        assert term_positions(text) == _chain_term_positions(text), repr(text)
        assert vocabulary(text, "Año de la Participación") == _whole_text_vocabulary(text, "Año de la Participación")
        gathered: set[str] = set()
        term_positions(text, gathered)
        assert " ".join(sorted(gathered)) == _whole_text_vocabulary(text), repr(text)
        reference = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
        assert fold(text) == reference, repr(text)


def _whole_text_vocabulary(*texts: str) -> str:
    """What ``vocabulary`` must give: the words of each whole text once folded."""
    import re

    words = {w for text in texts for w in re.findall(r"\w+", fold(text))}
    return " ".join(sorted(w for w in words if w.isalpha() and 2 <= len(w) <= 40 and w not in STOP_WORDS))


@pytest.mark.parametrize(
    "texts",
    [(_AWKWARD,), ("Participación ciudadana — «Año» ¿Qué? 3.ª sesión", "ÑANDÚ Ñandú"), ("½ año",), ("e\u0301x",),
     ("ﬁnanzas",), ("İstanbul ǅ Ærø STRAẞE",), ("", "de la y")],
)
def test_vocabulary_folds_words_as_the_whole_text_would(texts):
    """Words are folded one by one (and remembered) when the text allows it; either way the result is
    the words of the folded text."""
    assert vocabulary(*texts) == _whole_text_vocabulary(*texts)
    assert vocabulary(*texts) == _whole_text_vocabulary(*texts)  # again, from what was remembered
    gathered: set[str] = set()
    for text in texts:  # what a rebuild gathers while it reads the tokens for positions
        assert term_positions(text, gathered) == term_positions(text)
    assert " ".join(sorted(gathered)) == _whole_text_vocabulary(*texts)


def test_whoosh_indexing_takes_the_fast_path():
    """What Whoosh's writer asks of the analyzer (positions *and* boosts, through
    the field's format) is answered by the fast path, with the chain's values."""
    from whoosh.fields import TEXT

    fast = SpanishAnalyzer()
    fast.chain = None  # any call into the chain fails
    fmt = TEXT(analyzer=fast).format
    assert list(fmt.word_values(_AWKWARD, fast, mode="index")) == list(
        fmt.word_values(_AWKWARD, spanish_chain(), mode="index")
    )
