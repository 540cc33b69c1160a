"""Query building, snippets and spelling suggestions on top of Whoosh.

Everything that depends on who is searching receives the ``vocab_fields``
(the spelling vocabularies of documents the caller may see) and a ``visible``
test (does a query match a document the caller may see?), so no word, count or
snippet can come from a document outside the caller's view.
"""

from __future__ import annotations

import heapq
import html
import itertools
import logging
import re

from whoosh import highlight, qparser, query
from whoosh.analysis import Token
from whoosh.qparser import syntax

from .analysis import STOP_WORDS, TOKEN_PATTERN, _fold_token, fold, stem

# Searchable fields and their weights: a match in the title or description
# says more about a document than one deep in its body.
FIELD_BOOSTS = {
    "title": 4.0,
    "description": 2.0,
    "milestone_text": 1.5,
    "means_text": 1.5,
    "activity_text": 1.2,
    "text": 1.0,
}

log = logging.getLogger(__name__)

MAX_PREFIX_EXPANSIONS = 64
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
_WORD = re.compile(r"\w+", re.UNICODE)
# Matches nothing but, unlike NullQuery, survives normalization.
MATCH_NOTHING = query.Term("id", "\x00")


class _RawPrefix(query.Prefix):
    """Prefix on the *unstemmed* word: expanded later from the vocabulary."""


class _PrefixPlugin(qparser.PrefixPlugin):
    """``transpar*``: the default plugin would stem the prefix first, and a
    stem of a fragment rarely is a prefix of the stems it should find."""

    class PrefixNode(syntax.TextNode):
        def query(self, parser):
            return _RawPrefix(self.fieldname, self.text, boost=self.boost)

    expr = r"(?P<text>\w+)[*](?=\s|$|\))"
    nodetype = PrefixNode


def make_parser(schema) -> qparser.QueryParser:
    """AND by default; OR, NOT, ( ), "phrases" and prefix* only.

    No field syntax (``visibility:restricted``), ranges, boosts or wildcards:
    the public should not be able to address internal fields.
    """
    parser = qparser.MultifieldParser(
        list(FIELD_BOOSTS), schema, fieldboosts=FIELD_BOOSTS, group=qparser.AndGroup
    )
    for plugin in (
        qparser.FieldsPlugin,
        qparser.WildcardPlugin,
        qparser.RangePlugin,
        qparser.BoostPlugin,
        qparser.EveryPlugin,
        qparser.SingleQuotePlugin,
    ):
        parser.remove_plugin_class(plugin)
    parser.add_plugin(_PrefixPlugin())
    return parser


_SIGN = re.compile(r'"[^"]*"|(?:^|(?<=\s))([-+]+)(?=[\w("])')


def _plus_minus(text: str) -> str:
    """``-word`` -> ``NOT word``; ``+`` dropped (AND is the default); phrases untouched."""

    def replace(m):
        if m.group(1) is None:
            return m.group()
        return "NOT " if m.group(1).startswith("-") else ""

    return _SIGN.sub(replace, text)


_BINARY = {"AND", "OR", "ANDNOT", "ANDMAYBE"}
_CHUNK = re.compile(r'"[^"]*"|\S+')


def _tidy_operators(text: str) -> str:
    """Drop operators with a missing operand ("OR minuta", "minuta AND"),
    which Whoosh would otherwise search as the words "or"/"and"."""
    out: list[str] = []
    for chunk in _CHUNK.findall(text):
        if chunk in _BINARY and (not out or out[-1] in _BINARY or out[-1] == "NOT"):
            continue
        out.append(chunk)
    while out and (out[-1] in _BINARY or out[-1] == "NOT"):
        out.pop()
    return " ".join(out)


def parse(parser, text: str):
    """Parse user input; on any parser trouble fall back to its plain words.

    Returns a normalized query, ``query.NullQuery`` if nothing is searchable.
    """
    try:
        return parser.parse(_tidy_operators(_plus_minus(text))).normalize()
    except Exception:  # the parser has many failure modes; none may reach users
        log.debug("unparseable query %r", text, exc_info=True)
    words = " ".join(w for w in _WORD.findall(text) if w not in _OPERATORS)
    try:
        return parser.parse(words).normalize()
    except Exception:
        return query.NullQuery


def _fields(vocab_fields) -> tuple[str, ...]:
    return (vocab_fields,) if isinstance(vocab_fields, str) else tuple(vocab_fields)


def expand_prefixes(q, reader, vocab_fields):
    """Replace each raw prefix with the stems of visible words starting with it."""

    def expand(node):
        if not isinstance(node, _RawPrefix):
            return node
        prefix = fold(node.text)
        merged = heapq.merge(*(reader.expand_prefix(f, prefix) for f in _fields(vocab_fields)))
        words = itertools.islice(
            (w for w, _ in itertools.groupby(merged)), MAX_PREFIX_EXPANSIONS
        )
        stems = sorted({stem(w.decode("utf-8")) for w in words})
        if not stems:
            return MATCH_NOTHING
        return query.Or(
            [query.Term(node.fieldname, s) for s in stems], boost=node.boost
        )

    return q.accept(expand).normalize()


# --- snippets -------------------------------------------------------------


class MarkFormatter(highlight.Formatter):
    """Escapes the original text and wraps matches in ``<mark>``, nothing else."""

    def _text(self, text):
        return html.escape(text, quote=False)

    def format_token(self, text, token, replace=False):
        return "<mark>%s</mark>" % html.escape(
            highlight.get_text(text, token, replace), quote=False
        )


class _Fragmenter(highlight.PinpointFragmenter):
    """Trims cut words at fragment edges, but not at the ends of the text."""

    @staticmethod
    def _autotrim(fragment):
        text, start, end = fragment.text, fragment.startchar, fragment.endchar
        first, last = fragment.matches[0].startchar, fragment.matches[-1].endchar
        if start > 0:
            space = text.find(" ", start, first)
            start = space + 1 if space >= 0 else start
        if end < len(text):
            space = text.rfind(" ", last, end)
            end = space if space >= 0 else end
        fragment.startchar, fragment.endchar = start, end


_FRAGMENTER = _Fragmenter(maxchars=240, surround=80, autotrim=True)
_FORMATTER = MarkFormatter()
_SCORER = highlight.BasicFragmentScorer()


_TOKEN = re.compile(TOKEN_PATTERN)


def _term(word: str) -> str:
    """The index term of one token, as SpanishAnalyzer makes it (stop words
    are left unstemmed)."""
    folded = _fold_token(word)
    return folded if folded in STOP_WORDS else stem(folded)


def _matches(text: str, terms: frozenset[str], prefixes: tuple[str, ...] = ()):
    """Spans of the tokens of ``text`` whose term is in ``terms`` or whose
    folded word starts with one of ``prefixes``.

    The analyzer's own tokenizer and term function without Whoosh's token
    pipeline: same matches at a fraction of the cost, which matters for long
    texts.
    """
    for m in _TOKEN.finditer(text):
        word = m.group()
        term = _term(word)
        if term in terms or (prefixes and _fold_token(word).startswith(prefixes)):
            yield m.start(), m.end(), term


def snippet(text: str, terms: frozenset[str], *, max_matches: int = 8) -> str:
    """Safe HTML fragments around the first matches of ``terms`` in ``text``.

    Stops looking after a few matches, where Whoosh's highlighter would
    re-analyze the whole stored text of every hit on the page.
    """
    matches = [
        Token(startchar=start, endchar=end, text=term, boost=1.0)
        for start, end, term in itertools.islice(_matches(text, terms), max_matches)
    ]
    if not matches:
        return ""
    fragments = highlight.top_fragments(
        _FRAGMENTER.fragment_matches(text, matches), 2, _SCORER, highlight.FIRST
    )
    parts = [_FORMATTER.format_fragment(f) for f in fragments]
    head = "… " if fragments[0].startchar > 0 else ""
    tail = " …" if fragments[-1].endchar < len(text) else ""
    return head + " … ".join(parts) + tail


def mark(text: str, terms: frozenset[str], prefixes: tuple[str, ...] = ()) -> str:
    """All of ``text`` as safe HTML, matching tokens wrapped in ``<mark>``."""
    out, last = [], 0
    for start, end, _ in _matches(text, terms, prefixes):
        out.append(html.escape(text[last:start], quote=False))
        out.append("<mark>%s</mark>" % html.escape(text[start:end], quote=False))
        last = end
    out.append(html.escape(text[last:], quote=False))
    return "".join(out)


def wanted_terms(q) -> tuple[frozenset[str], tuple[str, ...]]:
    """Terms (any field) and folded raw prefixes that ``q`` looks for, leaving
    out what it excludes: what deserves a highlight."""
    terms: set[str] = set()
    prefixes: set[str] = set()

    def walk(node):
        if isinstance(node, query.Not):
            return
        if isinstance(node, query.AndNot):
            walk(node.a)
            return
        if isinstance(node, _RawPrefix):
            prefixes.add(fold(node.text))
            return
        if node.is_leaf():
            for _, text in node.iter_all_terms(phrases=True):
                terms.add(text.decode("utf-8") if isinstance(text, bytes) else text)
            return
        for child in node.children():
            walk(child)

    walk(q)
    return frozenset(terms), tuple(sorted(prefixes))


def field_terms(q, fieldname: str) -> frozenset[str]:
    """Terms (phrase words included) that ``q`` looks for in ``fieldname``."""
    return frozenset(
        text.decode("utf-8") if isinstance(text, bytes) else text
        for name, text in q.iter_all_terms(phrases=True)
        if name == fieldname
    )


def plain_snippet(text: str, length: int = 240) -> str:
    """Escaped start of ``text``, cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= length:
        return html.escape(text, quote=False)
    cut = text.rfind(" ", 0, length)
    return html.escape(text[: cut if cut > 0 else length], quote=False) + " …"


# --- spelling suggestions ---------------------------------------------------


def suggest(searcher, parser, text, vocab_fields, visible) -> str | None:
    """"¿Quisiste decir …?": replace words no visible document contains with
    a close visible word; return the corrected query only if it finds
    something visible.

    ``visible(query)`` tells whether a query matches a document the caller
    may see.
    """
    reader = searcher.reader()
    out, last, changed = [], 0, False
    for m in _WORD.finditer(text):
        word = m.group()
        after = text[m.end() : m.end() + 1]
        if word in _OPERATORS or after == "*" or _known(word, visible):
            continue
        fix = _closest(reader, vocab_fields, fold(word), visible)
        if fix:
            out.append(text[last : m.start()])
            out.append(_match_case(word, fix))
            last, changed = m.end(), True
    if not changed:
        return None
    corrected = "".join(out) + text[last:]
    q = parse(parser, corrected)
    if q is query.NullQuery:
        return None
    q = expand_prefixes(q, reader, vocab_fields)
    return corrected if visible(q) else None


def _known(word, visible) -> bool:
    """Found in a visible document, in any inflection ("participaciones").

    Asked with a search rather than the vocabulary's term statistics, which
    still count deleted documents until their segment is merged.
    """
    folded = fold(word)
    if folded in STOP_WORDS or len(folded) < 4 or not folded.isalpha():
        return True
    term = stem(folded)
    return visible(query.Or([query.Term(f, term) for f in FIELD_BOOSTS]))


def _closest(reader, vocab_fields, word: str, visible) -> str | None:
    """Most frequent visible word within edit distance 1 (2 for long words)."""
    fields = _fields(vocab_fields)
    for maxdist in (1, 2) if len(word) >= 6 else (1,):
        found = {
            w
            for f in fields
            for w in reader.terms_within(f, word, maxdist, prefix=1)
            if w != word
        }
        candidates = sorted(
            found, key=lambda w: (-sum(reader.doc_frequency(f, w) for f in fields), w)
        )
        for candidate in candidates[:5]:
            if _known(candidate, visible):
                return candidate
    return None


def _match_case(original: str, word: str) -> str:
    if original.isupper():
        return word.upper()
    if original[:1].isupper():
        return word.capitalize()
    return word
