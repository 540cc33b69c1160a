"""Snippets skip stemming words that cannot match: the shortcut must mark
exactly the words full analysis marks."""

from __future__ import annotations

import random
import re

from indexer.analysis import TOKEN_PATTERN
from indexer.snippets import _TERMS, index_term, initial, matches
from tests.indexer.corpus import load_pairs
from tests.indexer.test_analysis import _AWKWARD

_WORDS = [w for p in load_pairs() for w in (p[1], p[2])]


def _random_text(rng: random.Random) -> str:
    alphabet = "abcdeñáéíóúüÁÉÑ  ..,-_1ǅİß\u0301\u0327ﬁ½Ω😀\nzsZ"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))


def test_a_terms_first_letter_is_its_words():
    rng = random.Random(3)
    texts = [_AWKWARD, " ".join(_WORDS), *(_random_text(rng) for _ in range(300))]
    for token in {t for text in texts for t in re.findall(TOKEN_PATTERN, text)}:
        first = initial(token)
        assert not first or index_term(token).startswith(first), token


def test_matches_mark_what_full_analysis_marks():
    rng = random.Random(4)
    text = " ".join(rng.choice(_WORDS) for _ in range(3000)) + " " + _AWKWARD
    tokens = list(re.finditer(TOKEN_PATTERN, text))
    for _ in range(50):
        terms = frozenset(index_term(m.group()) for m in rng.sample(tokens, 3))
        _TERMS.clear()  # nothing remembered: every word goes through the shortcut
        expected = [(m.start(), m.end(), index_term(m.group())) for m in tokens if index_term(m.group()) in terms]
        _TERMS.clear()
        assert list(matches(text, terms)) == expected
