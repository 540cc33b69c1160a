"""Spelling suggestions ("¿Quisiste decir …?") from what the caller may see.

Everything here receives the ``vocab_fields`` (spelling vocabularies of the
documents the caller may see) and a ``visible`` test (does a query match a
document the caller may see?), so no word can come from a document outside
the caller's view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from whoosh import qparser, query

from ..analysis import STOP_WORDS, fold, match_case, stem
from .query import OPERATORS, WORD, expand_prefixes, parse
from .schema import FIELD_BOOSTS

Visible = Callable[[query.Query], bool]


def suggest(
    searcher: Any, parser: qparser.QueryParser, text: str, vocab_fields: Iterable[str], visible: Visible
) -> str | None:
    """"¿Quisiste decir …?": replace words no visible document contains with
    a close visible word; return the corrected query only if it finds
    something visible.

    ``visible(query)`` tells whether a query matches a document the caller
    may see.
    """
    reader = searcher.reader()
    out, last, changed = [], 0, False
    for m in WORD.finditer(text):
        word = m.group()
        after = text[m.end() : m.end() + 1]
        if word in OPERATORS or after == "*" or _known(word, visible):
            continue
        fix = _closest(reader, vocab_fields, fold(word), visible)
        if fix:
            out.append(text[last : m.start()])
            out.append(match_case(word, fix))
            last, changed = m.end(), True
    if not changed:
        return None
    corrected = "".join(out) + text[last:]
    q = parse(parser, corrected)
    if q is query.NullQuery:
        return None
    q = expand_prefixes(q, reader, vocab_fields)
    return corrected if visible(q) else None


def _known(word: str, visible: Visible) -> bool:
    """Found in a visible document, in any inflection ("participaciones").

    Asked with a search rather than the vocabulary's term statistics, which
    still count deleted documents until their segment is merged.
    """
    folded = fold(word)
    if folded in STOP_WORDS or len(folded) < 4 or not folded.isalpha():
        return True
    term = stem(folded)
    return visible(query.Or([query.Term(f, term) for f in FIELD_BOOSTS]))


def _closest(reader: Any, vocab_fields: Iterable[str], word: str, visible: Visible) -> str | None:
    """Most frequent visible word within edit distance 1 (2 for long words)."""
    fields = tuple(vocab_fields)
    for maxdist in (1, 2) if len(word) >= 6 else (1,):
        found = {
            w
            for f in fields
            for w in reader.terms_within(f, word, maxdist, prefix=1)
            if w != word
        }
        candidates = sorted(
            found, key=lambda w: (-sum(reader.frequency(f, w) for f in fields), w)
        )
        for candidate in candidates[:5]:
            if _known(candidate, visible):
                return candidate
    return None
