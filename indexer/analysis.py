"""Spanish text analysis for the search index.

People type queries without accents, in plural or singular, in any case,
while documents are written with full orthography. Plain Snowball cannot
serve both sides. Stemming before folding makes unaccented queries miss:
stem("metodología") = "metodolog" but stem("metodologia") = "metodologi"
(older Snowball releases did the same with "-ción"). Folding before stemming
defeats the suffix rules keyed on accents, and Snowball's singular and plural
stems often differ anyway (acta/actas, ciudad/ciudades, comité/comités).

Design: fold first, then stem a function of the folded word only.

1. ``fold``: lower-case, strip every diacritic (á→a, ñ→n, ü→u). From here
   on, "investigación" and "investigacion" are the *same string*, so both
   directions match by construction.
2. ``stem`` works on folded words in three deterministic steps:

   a. Plural/ending canonicalisation, because Snowball's own singular and
      plural stems often differ (ciudad→ciud but ciudades→ciudad;
      acta→acta but actas→actas; mujer/mujeres, dictamen/dictámenes,
      interés/intereses, luz/luces). Words ending in a consonant that takes
      "-es" in plural (d l n r s x y z) and their "-e"/"-es" look-alikes are
      cut to the consonant; other "-as/-os/-es" plurals lose the "s";
      final "z" becomes "c" (luz/luces, vez/veces).
   b. Accent restoration where Spanish spelling makes the accent certain
      (every "-cion" is "-ción", every "-logia" is "-logía"), so Snowball's
      accented step-1 rules fire: participación = participar = particip.
   c. Snowball Spanish (PyStemmer) on the result; its output is folded.

Index terms therefore depend on these rules and on the Snowball release;
``analyzer_fingerprint`` lets the index notice when either changed.

Stop words are the Snowball Spanish list, folded, minus a few words that are
content words in government documents ("estado", "sentido").
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import cast

import Stemmer
from whoosh.analysis import Analyzer, CompositeAnalyzer, Filter, RegexTokenizer, StemFilter, StopFilter, Token
from whoosh.lang.stopwords import stoplists

__all__ = [
    "fold",
    "fold_token",
    "stem",
    "STOP_WORDS",
    "SpanishAnalyzer",
    "TOKEN_PATTERN",
    "analyze",
    "analyzer_fingerprint",
    "match_case",
    "vocabulary",
]

TOKEN_PATTERN = r"\w+(?:\.?\w+)*"

# Snowball's list counts these participles of "estar"/"sentir" as stop words,
# but in this domain they are nouns: "Estado de México", "en sentido estricto".
_KEEP = {"estado", "estados", "estada", "estadas", "sentido", "sentidos"}




@lru_cache(maxsize=10_000)
def _fold_char(c: str) -> str:
    return "".join(d for d in unicodedata.normalize("NFKD", c) if not unicodedata.combining(d))


def _fold_match(match: re.Match) -> str:
    return _fold_char(match.group())


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def fold(text: str) -> str:
    """Lower-case and drop diacritics: "Compañía Ünica" -> "compania unica".

    Character by character (NFKD, then without combining marks), which is
    what decomposing the whole text gives: the marks canonical ordering could
    move are all dropped. Only the non-ASCII characters are looked at (cached
    per character): folding every character of long documents in Python, or
    ``str.translate`` with a table leaving ASCII, cost a third of indexing."""
    text = text.lower()
    if text.isascii():
        return text
    return _NON_ASCII.sub(_fold_match, text)


STOP_WORDS = frozenset(fold(w) for w in stoplists["es"] | {"vosotros", "vosotras"}) - _KEEP

# Consonants a Spanish singular can end in before a plural "-es"
# (z appears as c after step a's z->c).
_ES_CONSONANTS = frozenset("cdlnrsxy")
# Endings Snowball handles itself (-able/-ible, enclitic pronouns).
_KEEP_ENDINGS = ("ble", "bles", "rle", "rles", "rse", "ndole", "ndoles", "ndose")

_local = threading.local()


def _snowball() -> Stemmer.Stemmer:
    """PyStemmer objects are not thread-safe: one per thread."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("spanish")
    return stemmer


def _canonical_ending(w: str) -> str:
    """Map singular and plural of one word to the same string (step a)."""
    if w.endswith("z"):
        return w[:-1] + "c"
    if w.endswith(_KEEP_ENDINGS):
        return w[:-1] if w.endswith("s") else w
    if w.endswith("eses"):  # mes-es, interes-es, ingles-es
        w = w[:-2]
    if len(w) >= 5 and w.endswith("es") and w[-3] in _ES_CONSONANTS:
        return w[:-2]  # ciudad-es, mujer-es, ley-es, luc-es, padr-es
    if len(w) >= 4 and w.endswith("e") and w[-2] in _ES_CONSONANTS:
        return w[:-1]  # padr-e, clas-e, alcanc-e: same as their plural
    if len(w) >= 4 and w.endswith(("as", "os", "es")) and not w.endswith("mos"):
        return w[:-1]  # acta-s, año-s, informe-s
    return w


def _restore_accents(w: str) -> str:
    """Put back accents Spanish spelling makes certain (step b)."""
    if w.endswith("cion"):
        return w[:-2] + "ón"
    if w.endswith("logia"):
        return w[:-2] + "ía"
    return w


@lru_cache(maxsize=100_000)  # thread-safe, unlike StemFilter's own cache
def stem(word: str) -> str:
    """Stem an already folded word; see the module docstring."""
    if len(word) < 3 or not word.isalpha():
        return word
    return fold(_snowball().stemWord(_restore_accents(_canonical_ending(word))))


# fold() of single words, cached: the analyzer and snippets fold the same
# words over and over.
fold_token = lru_cache(maxsize=100_000)(fold)


class FoldFilter(Filter):
    """Whoosh filter applying :func:`fold` (which also lower-cases) to every token."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = fold_token(t.text)
            yield t


def spanish_chain() -> CompositeAnalyzer:
    """The reference pipeline: tokens -> fold (with lower-case) -> stop words -> stem."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | FoldFilter()
        | StopFilter(STOP_WORDS, minsize=1)
        | StemFilter(stem, cachesize=None)
    )


class SpanishAnalyzer(Analyzer):
    """Whoosh's full-text analyzer: :func:`spanish_chain`, with a fast path
    for what indexing asks (terms and positions only). Whoosh ran the chain's
    four generator stages and a ``Token`` per word for every word of every
    document; the fast path yields what the chain yields (same terms, same
    positions, tested) from :func:`analyze`'s term cache. Any other request
    (character offsets for highlighting, stop words kept, no tokenizing)
    goes to the chain itself, as does any other keyword (``no_morph`` for
    spelling words)."""

    def __init__(self) -> None:
        self.chain = spanish_chain()

    def has_morph(self) -> bool:
        return self.chain.has_morph()

    def clean(self) -> None:
        self.chain.clean()

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "", boosts: bool = False,
                 **kwargs):
        # ``boosts`` is named: Whoosh's Positions format asks for it on every
        # document, and as an unknown keyword it sent all indexing to the chain.
        if chars or keeporiginal or not removestops or not tokenize or kwargs:  # e.g. no_morph=True
            return self.chain(value, positions=positions, chars=chars, keeporiginal=keeporiginal,
                              removestops=removestops, start_pos=start_pos, start_char=start_char,
                              tokenize=tokenize, mode=mode, boosts=boosts, **kwargs)
        return self._terms(value, positions, boosts, start_pos, mode)

    @staticmethod
    def _terms(value: str, positions: bool, boosts: bool, start_pos: int, mode: str) -> Iterator[Token]:
        t = Token(positions, False, boosts=boosts, removestops=True, mode=mode)
        terms = _TERMS
        pos = None
        for raw, token in enumerate(_TOKEN.findall(value), start_pos):
            term = terms.get(token)
            if term is None:
                term = _term(token)
            if not term:
                continue
            # StopFilter's renumbering: the first kept word keeps its place
            # among all words, later ones follow it without gaps.
            pos = raw if pos is None else pos + 1
            t.text = term
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = pos
            yield t


# TOKEN_PATTERN's matches, found faster (an optional dot before more word
# characters adds nothing to a greedy ``\w+``).
_TOKEN = re.compile(r"\w+(?:\.\w+)*")


def analyze(text: str) -> list[str]:
    """Index terms of ``text``: exactly what :func:`SpanishAnalyzer` yields
    (tests/indexer/test_analysis.py compares them on awkward and random text)
    without its per-token ``Token`` objects and generator chain: the
    PostgreSQL index analyses every document with this, and a rebuild spent
    most of its time there. Each distinct token's term is remembered."""
    terms = _TERMS
    out = []
    for token in _TOKEN.findall(text):
        term = terms.get(token)
        if term is None:
            term = _term(token)
        if term:
            out.append(term)
    return out


def term_positions(text: str, words: set[str] | None = None) -> dict[str, list[int]]:
    """Each term of ``text`` with its positions, numbered as
    :class:`SpanishAnalyzer` numbers them (the first kept word keeps its
    place among all words, later ones follow it without gaps): what Whoosh's
    ``Positions`` format gathers from the analyzer, without a ``Token`` per
    word. A Whoosh rebuild indexes every text field with it, and gathers the
    text's :func:`vocabulary` words into ``words`` from the same tokens."""
    tokens = _TOKEN.findall(text)
    infos = list(map(_TOKEN_INFO.get, tokens))
    if None in infos:
        infos = [_token_info(t) if i is None else i for t, i in zip(tokens, infos)]
    mapped = list(map(itemgetter(0), cast(list[tuple[str, tuple[str, ...]]], infos)))
    if words is not None:
        if _WORD_UNSAFE.search(text) is None:
            # A token is words joined by dots, each folded once and remembered.
            words.update(chain.from_iterable(map(itemgetter(1), cast(list[tuple[str, tuple[str, ...]]], infos))))
        else:
            words.update(vocabulary(text).split())
    kept = list(filter(None, mapped))
    out: dict[str, list[int]] = {}
    if not kept:
        return out
    first = 0
    while not mapped[first]:
        first += 1
    for pos, term in enumerate(kept, first):
        found = out.get(term)
        if found is None:
            out[term] = [pos]
        else:
            found.append(pos)
    return out


_TERMS: dict[str, str] = {}  # token as written -> term ("" for a stop word)


def _term(token: str) -> str:
    word = fold(token)
    term = stem(word) if word and word not in STOP_WORDS else ""
    if len(_TERMS) >= 200_000:  # bounded: an adversarial text cannot grow it
        _TERMS.clear()
    _TERMS[token] = term
    return term


# Words whose stems pin down the behaviour of the whole pipeline; an index
# built with a different fingerprint has incompatible terms.
_PROBE = (
    "Investigaciones participación participó ciudades actas años luces intereses "
    "metodologías tecnológico compañía transparencia rendición responsables "
    "presentarlos padrones reuniones capacitación Estado de la"
)


def analyzer_fingerprint() -> str:
    """Short hash of the analyzer's output on a probe text."""
    return hashlib.sha256(" ".join(analyze(_PROBE)).encode()).hexdigest()[:16]


def match_case(original: str, word: str) -> str:
    """A suggested ``word`` written in the case of the ``original`` the user
    typed ("Transparensia" -> "Transparencia"): both backends suggest so."""
    if original.isupper():
        return word.upper()
    if original[:1].isupper():
        return word.capitalize()
    return word


_WORD = re.compile(r"\w+")


def _keeps_words(c: str) -> bool:
    """Whether folding ``c`` leaves word boundaries where they were: a word
    character folds to word characters only, any other to none."""
    folded = fold(c)
    if _WORD.fullmatch(c):
        return _WORD.fullmatch(folded) is not None
    return _WORD.search(folded) is None


# Text made only of ASCII and of these characters (Latin letters with
# diacritics, Spanish punctuation, typographic spaces and dashes...) has the
# same words before and after folding, so its words can be folded one by one
# (and remembered) instead of folding the whole text first.
_WORD_SAFE = "".join(c for c in map(chr, [*range(0x80, 0x250), *range(0x2000, 0x2070)]) if _keeps_words(c))
_WORD_UNSAFE = re.compile(f"[^\\x00-\\x7f{re.escape(_WORD_SAFE)}]")
_VOCABULARY_WORDS: dict[str, str] = {}  # word as written -> folded word, "" if not a vocabulary word


# token as written -> (its term, its vocabulary words when folded word by word)
_TOKEN_INFO: dict[str, tuple[str, tuple[str, ...]]] = {}


def _token_info(token: str) -> tuple[str, tuple[str, ...]]:
    term = _TERMS.get(token)
    if term is None:
        term = _term(token)
    found = (term, tuple(w for w in map(_vocabulary_word, token.split(".")) if w))
    if len(_TOKEN_INFO) >= 200_000:  # bounded, like the analyzer's cache
        _TOKEN_INFO.clear()
    _TOKEN_INFO[token] = found
    return found


def _vocabulary_word(word: str) -> str:
    folded = fold(word)
    if not (folded.isalpha() and 2 <= len(folded) <= 40 and folded not in STOP_WORDS):
        folded = ""
    if len(_VOCABULARY_WORDS) >= 200_000:  # bounded, like the analyzer's cache
        _VOCABULARY_WORDS.clear()
    _VOCABULARY_WORDS[word] = folded
    return folded


def vocabulary(*texts: str) -> str:
    """Distinct plain words of ``texts`` (folded, space-separated): what
    spelling suggestions may propose and prefixes expand to, in every backend.

    A regex over the text rather than the analyzer: same words, a fraction
    of the cost of another token pipeline pass. Each distinct word is folded
    once and remembered, unless the text holds a character whose folding
    moves word boundaries (then the whole text is folded first).
    """
    words: set[str] = set()
    for text in texts:
        if not text:
            continue
        if _WORD_UNSAFE.search(text) is None:
            written = list(set(_WORD.findall(text)))
            found: list[str | None] = list(map(_VOCABULARY_WORDS.get, written))
            if None in found:
                found = [_vocabulary_word(w) if f is None else f for w, f in zip(written, found)]
            words.update(cast(list[str], found))
        else:
            words.update(w for w in _WORD.findall(fold(text)) if _vocabulary_word(w))
    words.discard("")
    return " ".join(sorted(words))
