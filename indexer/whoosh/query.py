"""Query parsing: the syntax people may use, mapped onto Whoosh queries."""

from __future__ import annotations

import heapq
import itertools
import logging
import re
from collections.abc import Iterable
from typing import Any

from whoosh import qparser, query
from whoosh.qparser import syntax

from ..analysis import fold, stem
from .schema import FIELD_BOOSTS

log = logging.getLogger(__name__)

MAX_PREFIX_EXPANSIONS = 64
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
WORD = re.compile(r"\w+", re.UNICODE)
# Matches nothing but, unlike NullQuery, survives normalization.
MATCH_NOTHING = query.Term("id", "\x00")


class RawPrefix(query.Prefix):
    """Prefix on the *unstemmed* word: expanded later from the vocabulary."""


class _PrefixPlugin(qparser.PrefixPlugin):
    """``transpar*``: the default plugin would stem the prefix first, and a
    stem of a fragment rarely is a prefix of the stems it should find."""

    class PrefixNode(syntax.TextNode):
        def query(self, parser: Any) -> query.Query:
            return RawPrefix(self.fieldname, self.text, boost=self.boost)

    expr = r"(?P<text>\w+)[*](?=\s|$|\))"
    nodetype = PrefixNode


def make_parser(schema: Any) -> qparser.QueryParser:
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

    def replace(m: re.Match[str]) -> str:
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


def parse(parser: qparser.QueryParser, text: str) -> query.Query:
    """Parse user input; on any parser trouble fall back to its plain words.

    Returns a normalized query, ``query.NullQuery`` if nothing is searchable.
    """
    try:
        return parser.parse(_tidy_operators(_plus_minus(text))).normalize()
    except Exception:  # the parser has many failure modes; none may reach users
        log.debug("unparseable query %r", text, exc_info=True)
    words = " ".join(w for w in WORD.findall(text) if w not in OPERATORS)
    try:
        return parser.parse(words).normalize()
    except Exception:
        return query.NullQuery


def _fields(vocab_fields: str | Iterable[str]) -> tuple[str, ...]:
    return (vocab_fields,) if isinstance(vocab_fields, str) else tuple(vocab_fields)


def expand_prefixes(q: query.Query, reader: Any, vocab_fields: str | Iterable[str]) -> query.Query:
    """Replace each raw prefix with the stems of visible words starting with it."""

    def expand(node: query.Query) -> query.Query:
        if not isinstance(node, RawPrefix):
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


def wanted_terms(q: query.Query) -> tuple[frozenset[str], tuple[str, ...]]:
    """Terms (any field) and folded raw prefixes that ``q`` looks for, leaving
    out what it excludes: what deserves a highlight."""
    terms: set[str] = set()
    prefixes: set[str] = set()

    def walk(node: query.Query) -> None:
        if isinstance(node, query.Not):
            return
        if isinstance(node, query.AndNot):
            walk(node.a)
            return
        if isinstance(node, RawPrefix):
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


def field_terms(q: query.Query, fieldname: str) -> frozenset[str]:
    """Terms (phrase words included) that ``q`` looks for in ``fieldname``."""
    return frozenset(
        text.decode("utf-8") if isinstance(text, bytes) else text
        for name, text in q.iter_all_terms(phrases=True)
        if name == fieldname
    )
