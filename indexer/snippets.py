"""Snippets and highlighting as safe HTML, for any backend.

Matches are found with the analyzer's own tokenizer and term function, so a
word is marked exactly when the index would match it (accents, case,
plurals), at a fraction of the cost of a token pipeline, which matters for
long texts. Everything else is escaped; the only tags produced are
``<mark>`` and ``</mark>``.

Fragments follow Whoosh's ``PinpointFragmenter`` (up to 240 characters, 80
around a match), ``BasicFragmentScorer`` and ``FIRST`` order, which the index
used before; they need no search engine.
"""

from __future__ import annotations

import heapq
import html
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from .analysis import STOP_WORDS, TOKEN_PATTERN, fold, fold_token, stem

__all__ = ["mark", "plain_snippet", "snippet"]

_TOKEN = re.compile(TOKEN_PATTERN)
MAX_CHARS = 240
SURROUND = 80
FRAGMENTS = 2
CHAR_LIMIT = 2**15  # no fragment starts past this character


def index_term(word: str) -> str:
    """The index term of one token, as SpanishAnalyzer makes it (stop words
    are left unstemmed)."""
    term = _TERMS.get(word)
    if term is None:
        folded = fold_token(word)
        term = folded if folded in STOP_WORDS else stem(folded)
        if len(_TERMS) >= 200_000:  # bounded: an adversarial text cannot grow it
            _TERMS.clear()
        _TERMS[word] = term
    return term


@lru_cache(maxsize=4096)
def _initial(char: str) -> str:
    return fold(char)[:1]


def initial(word: str) -> str:
    """The first letter of ``word``'s term, "" if unsure: folding works
    character by character, and stemming (and the plural and accent rules
    before it) only ever changes a word's ending, never its first letter."""
    return _initial(word[:1]) if word else ""


# token as written -> its term: a page of hits scans up to 20 long excerpts, and
# one dictionary lookup per token is several times cheaper than folding and
# stemming through two caches.
_TERMS: dict[str, str] = {}


def matches(
    text: str, terms: frozenset[str], prefixes: tuple[str, ...] = ()
) -> Iterator[tuple[int, int, str]]:
    """(start, end, term) of the tokens of ``text`` whose term is in
    ``terms`` or whose folded word starts with one of ``prefixes``."""
    cached = _TERMS.get
    initials = {t[:1] for t in terms}
    for m in _TOKEN.finditer(text):
        word = m.group()
        term = cached(word)
        if term is None:
            first = initial(word)
            if first and first not in initials and not prefixes:
                continue  # cannot be one of the terms: not worth stemming
            term = index_term(word)
        if term in terms or (prefixes and fold_token(word).startswith(prefixes)):
            yield m.start(), m.end(), term


@dataclass
class _Fragment:
    start: int
    end: int
    matches: list[tuple[int, int, str]] = field(default_factory=list)

    def score(self) -> int:
        # Matches, times the number of distinct terms (diversity wins).
        return len(self.matches) * (len({t for _, _, t in self.matches}) * 100 or 1)


def _fragments(text: str, found: list[tuple[int, int, str]]) -> Iterator[_Fragment]:
    """Windows of at most MAX_CHARS around runs of nearby matches."""
    j = -1
    for i, (left, right, _) in enumerate(found):
        if j >= i:
            continue
        j = i
        if right > CHAR_LIMIT:
            break
        length = right - left
        while j < len(found) - 1 and length < MAX_CHARS:
            start, end, _ = found[j + 1]
            if end - right <= SURROUND and end - left <= MAX_CHARS:
                j += 1
                right = end
                length += end - start
            else:
                break
        fragment = _Fragment(max(0, left - SURROUND), min(len(text), right + SURROUND), found[i : j + 1])
        _trim(text, fragment)
        yield fragment


def _trim(text: str, fragment: _Fragment) -> None:
    """Drop words cut at the fragment's edges (not at the ends of the text)."""
    first, last = fragment.matches[0][0], fragment.matches[-1][1]
    if fragment.start > 0:
        space = text.find(" ", fragment.start, first)
        fragment.start = space + 1 if space >= 0 else fragment.start
    if fragment.end < len(text):
        space = text.rfind(" ", last, fragment.end)
        fragment.end = space if space >= 0 else fragment.end


def _format(text: str, fragment: _Fragment) -> str:
    out, index = [], fragment.start
    for start, end, _ in fragment.matches:
        if start < index:
            continue
        out.append(html.escape(text[index:start], quote=False))
        out.append(f"<mark>{html.escape(text[start:end], quote=False)}</mark>")
        index = end
    out.append(html.escape(text[index : fragment.end], quote=False))
    return "".join(out)


def snippet(text: str, terms: frozenset[str], *, max_matches: int = 8) -> str:
    """Safe HTML fragments around the first matches of ``terms`` in ``text``
    ("" when none). Stops looking after a few matches: a long stored text is
    not analyzed to its end for every hit on the page."""
    found = list(itertools.islice(matches(text, terms), max_matches))
    if not found:
        return ""
    best = heapq.nlargest(FRAGMENTS, _fragments(text, found), key=lambda f: (f.score(), f.start))
    best.sort(key=lambda f: f.start)
    head = "… " if best[0].start > 0 else ""
    tail = " …" if best[-1].end < len(text) else ""
    return head + " … ".join(_format(text, f) for f in best) + tail


def mark(text: str, terms: frozenset[str], prefixes: tuple[str, ...] = ()) -> str:
    """All of ``text`` as safe HTML, matching tokens wrapped in ``<mark>``."""
    out, last = [], 0
    for start, end, _ in matches(text, terms, prefixes):
        out.append(html.escape(text[last:start], quote=False))
        out.append(f"<mark>{html.escape(text[start:end], quote=False)}</mark>")
        last = end
    out.append(html.escape(text[last:], quote=False))
    return "".join(out)


def plain_snippet(text: str, length: int = MAX_CHARS) -> str:
    """Escaped start of ``text``, cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= length:
        return html.escape(text, quote=False)
    cut = text.rfind(" ", 0, length)
    return html.escape(text[: cut if cut > 0 else length], quote=False) + " …"
