"""The query syntax people may use, parsed in Python and written as a ``tsquery``.

Same syntax and meaning as the Whoosh backend: AND by default, ``OR``,
``NOT``/``-word``, ``( )``, ``"phrases"`` and ``prefix*``; no field syntax,
so nobody can address internal columns. Words are analyzed with
:func:`indexer.analysis.analyze`, the very function that made the stored
``tsvector`` lexemes, so both backends match the same words (accents, case,
plurals). The ``tsquery`` is written as a literal (quoted lexemes, cast with
``::tsquery``): PostgreSQL's own parser and dictionaries never touch it.

Precedence: ``NOT`` binds tightest, then ``OR``, then AND (explicit or
implied): ``a b OR c`` is ``a AND (b OR c)``. Input that does not parse is
searched as its plain words; nothing a user types is an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..analysis import analyze, fold
from .schema import pair

__all__ = ["NOTHING", "Node", "parse", "phrase_terms", "positive_terms", "prefixes", "to_tsquery"]

OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
_BINARY = {("op", o) for o in ("AND", "OR", "ANDNOT", "ANDMAYBE")}
MAX_LEXEME = 1000  # PostgreSQL refuses lexemes over 2 KB; the index drops them too

_TOKEN = re.compile(
    r'(?P<phrase>"[^"]*")'
    r"|(?P<open>\()|(?P<close>\))"
    r'|(?:(?<=\s)|^)(?P<sign>[-+]+)(?=[\w("])'
    r"|(?P<prefix>\w+)\*(?=\s|$|\))"
    r'|(?P<word>[^\s()"]+)'
)


@dataclass(frozen=True)
class Node:
    """``kind``: term (``value`` a lexeme), phrase (``children`` terms),
    prefix (``value`` a folded prefix), and, or, not, nothing."""

    kind: str
    value: str = ""
    children: tuple[Node, ...] = ()


NOTHING = Node("nothing")  # matches no document (a prefix nobody's words start with)


def _words(text: str) -> Node | None:
    terms = [Node("term", t) for t in analyze(text) if len(t) <= MAX_LEXEME]
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else Node("and", children=tuple(terms))


def _phrase(text: str) -> Node | None:
    terms = tuple(Node("term", t) for t in analyze(text) if len(t) <= MAX_LEXEME)
    if len(terms) <= 1:
        return terms[0] if terms else None
    return Node("phrase", children=terms)


class _Parser:
    def __init__(self, text: str):
        self.tokens: list[tuple[str, str]] = []
        for m in _TOKEN.finditer(text):
            kind = m.lastgroup or "word"
            value = m.group(kind)
            if kind == "word" and value in OPERATORS:
                kind = "op"
            self.tokens.append((kind, value))
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def sequence(self, inside: bool) -> Node | None:
        """Clauses joined by AND, up to a closing parenthesis or the end."""
        parts: list[Node | None] = []
        while (token := self.peek()) is not None:
            if token[0] == "close":
                self.take()
                if inside:
                    break
                continue
            if token[0] == "op" and token[1] in ("AND", "OR", "ANDMAYBE"):
                self.take()  # a binary operator without a left operand
                continue
            if token[0] == "op" and token[1] == "ANDNOT":
                self.take()
                parts.append(_not(self.unary()))
                continue
            parts.append(self.disjunction())
        return _and(parts)

    def disjunction(self) -> Node | None:
        parts = [self.unary()]
        while (token := self.peek()) is not None and token == ("op", "OR"):
            self.take()
            following = self.peek()
            if following is None or following[0] == "close" or following in _BINARY:
                break  # "minuta OR": nothing to OR with
            parts.append(self.unary())
        return _or(parts)

    def unary(self) -> Node | None:
        token = self.peek()
        if token is None:
            return None
        kind, value = token
        if (kind == "op" and value == "NOT") or (kind == "sign" and value.startswith("-")):
            self.take()
            return _not(self.unary())
        if kind == "sign":
            self.take()
            return self.unary()
        return self.atom()

    def atom(self) -> Node | None:
        kind, value = self.take()
        if kind == "open":
            return self.sequence(inside=True)
        if kind == "phrase":
            return _phrase(value[1:-1])
        if kind == "prefix":
            return Node("prefix", fold(value))
        if kind in ("word", "op"):
            return _words(value) if kind == "word" else None
        return None  # a stray ")" or sign


def _and(parts: list[Node | None]) -> Node | None:
    kept: list[Node] = []
    for p in parts:
        if p is None or (p.kind == "not" and p.children[0] is NOTHING):
            continue  # "everything but nothing" restricts nothing
        if p is NOTHING:
            return NOTHING
        kept.extend(p.children if p.kind == "and" else (p,))
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else Node("and", children=tuple(kept))


def _or(parts: list[Node | None]) -> Node | None:
    kept = [p for p in parts if p is not None]
    if not kept:
        return None
    alive = [p for p in kept if p is not NOTHING]
    if not alive:
        return NOTHING
    flat: list[Node] = []
    for p in alive:
        flat.extend(p.children if p.kind == "or" else (p,))
    return flat[0] if len(flat) == 1 else Node("or", children=tuple(flat))


def _not(node: Node | None) -> Node | None:
    return None if node is None else Node("not", children=(node,))


def parse(text: str) -> Node | None:
    """The user's query as a tree; ``None`` when nothing in it is searchable
    (stop words, ``*``, lone operators), :data:`NOTHING` when it can match
    nothing."""
    try:
        return _Parser(text).sequence(inside=False)
    except Exception:  # defensive: fall back to the plain words
        return _words(" ".join(w for w in re.findall(r"\w+", text) if w not in OPERATORS))


def expand(node: Node | None, stems_of_prefix: Callable[[str], list[str]]) -> Node | None:
    """Replace each prefix with the stems of the visible words starting with
    it (``stems_of_prefix``), or :data:`NOTHING` when there are none."""
    if node is None:
        return None
    if node.kind == "prefix":
        stems = [s for s in stems_of_prefix(node.value) if len(s) <= MAX_LEXEME]
        return _or([Node("term", s) for s in stems]) or NOTHING
    if node.kind in ("and", "or", "not"):
        children = [expand(c, stems_of_prefix) for c in node.children]
        if node.kind == "not":
            return _not(children[0])
        return _and(children) if node.kind == "and" else _or(children)
    return node


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def to_tsquery(node: Node, weights: str = "", pairs: frozenset[str] | None = None) -> str:
    """A ``tsquery`` literal for an expanded tree (no prefixes, not NOTHING).
    ``weights`` (e.g. "AD") restricts every lexeme to those weight classes.

    ``pairs``: the terms whose adjacent pairs the index holds (see
    :func:`indexer.postgres.schema.pair_terms`). A phrase of such terms is
    written with its pairs, ``'a b' <-> 'b c'``, which matches exactly the
    same documents without reading their ``tsvector``s when it is one pair;
    for ranking (``None``), phrases are written with their words, which
    weigh as the fields they are in."""
    suffix = f":{weights}" if weights else ""
    if node.kind == "term":
        return _quote(node.value) + suffix
    if node.kind == "phrase":
        values = [c.value for c in node.children]
        if pairs is not None and not weights and all(v in pairs for v in values):
            lexemes = [_quote(pair(a, b)) for a, b in zip(values, values[1:])]
            return lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")"
        return "(" + " <-> ".join(_quote(v) + suffix for v in values) + ")"
    if node.kind == "not":
        return "!" + to_tsquery(node.children[0], weights, pairs)
    if node.kind in ("and", "or"):
        joiner = " & " if node.kind == "and" else " | "
        return "(" + joiner.join(to_tsquery(c, weights, pairs) for c in node.children) + ")"
    raise ValueError(f"cannot write {node.kind} as a tsquery")


def phrase_terms(node: Node | None) -> frozenset[str]:
    """Terms of the query's phrases (excluded ones too)."""
    if node is None:
        return frozenset()
    if node.kind == "phrase":
        return frozenset(c.value for c in node.children)
    return frozenset().union(*(phrase_terms(c) for c in node.children))


def positive_terms(node: Node | None) -> frozenset[str]:
    """Lexemes the query looks for, leaving out excluded ones: what a snippet marks."""
    found: set[str] = set()

    def walk(n: Node) -> None:
        if n.kind == "term":
            found.add(n.value)
        elif n.kind in ("and", "or", "phrase"):
            for c in n.children:
                walk(c)

    if node is not None:
        walk(node)
    return frozenset(found)


def prefixes(node: Node | None) -> tuple[str, ...]:
    """Folded prefixes the query looks for (not excluded ones)."""
    found: set[str] = set()

    def walk(n: Node) -> None:
        if n.kind == "prefix":
            found.add(n.value)
        elif n.kind in ("and", "or"):
            for c in n.children:
                walk(c)

    if node is not None:
        walk(node)
    return tuple(sorted(found))
