"""Rows of the PostgreSQL backend's SQL turned into the contract's values, and small word helpers (kept apart
from :mod:`indexer.postgres.backend` so each module stays readable)."""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable
from typing import Any

import psycopg

from ..contract import FACETS, MAX_QUERY_CHARS, Hit
from ..snippets import mark, plain_snippet, snippet
from . import query as pq

log = logging.getLogger(__name__)

_HIT_COLUMNS = (
    "d.id, d.date, d.milestone, d.means, d.file_type, d.plan, d.commitment, "
    "s.title, s.description, s.plan_title, s.commitment_title, s.excerpt"
)


def _read(cur: psycopg.Cursor, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
    """Every read statement goes through here (the contract tests break it)."""
    cur.execute(sql, tuple(params))
    return cur.fetchall()


def _clean(query: object) -> str:
    return (query if isinstance(query, str) else "").strip()[:MAX_QUERY_CHARS]


def _hit(row: tuple, terms: frozenset[str]) -> Hit:
    (doc_id, when, milestone, means, file_type, plan, commitment,
     title, description, plan_title, commitment_title, excerpt) = row
    return Hit(
        id=doc_id,
        title=title or "",
        milestone=milestone,
        means=means,
        date=when.date() if when else None,
        file_type=file_type,
        snippet=(terms and snippet(excerpt or "", terms)) or plain_snippet(excerpt or description or ""),
        plan=plan,
        plan_title=plan_title or None,
        commitment=commitment,
        commitment_title=commitment_title or None,
    )


def _distance(a: str, b: str, cap: int) -> int:
    """Levenshtein distance, giving up (cap + 1) once it exceeds ``cap``."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > cap:
            return cap + 1
        previous = current
    return previous[-1]


def facet_counts(rows: list[tuple]) -> tuple[int, dict[str, dict[str, int]]]:
    """The total and the facets (most frequent first) from the rows of a
    ``GROUPING(...), columns..., count(*)`` query over ``FACETS``."""
    everything = (1 << len(FACETS)) - 1
    total = 0
    counts: dict[str, dict[str, int]] = {f: {} for f in FACETS}
    for row in rows:
        mask, values, count = row[0], row[1:-1], row[-1]
        if mask == everything:
            total = count
            continue
        for i, name in enumerate(FACETS):
            if not mask & (1 << (len(FACETS) - 1 - i)) and values[i] is not None:
                counts[name][values[i]] = count
    facets = {
        name: dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0])))
        for name, values in counts.items()
    }
    return total, facets


def highlight(text: object, query: str, max_chars: int) -> str:
    """:meth:`PostgresBackend.highlight`: safe HTML, never raises."""
    try:
        text = (text if isinstance(text, str) else str(text or ""))[: max(0, int(max_chars))]
    except Exception:
        log.exception("highlight got unusable text")
        return ""
    try:
        node = pq.parse(_clean(query)) if query else None
        terms, prefixes = pq.positive_terms(node), pq.prefixes(node)
        if terms or prefixes:
            return mark(text, terms, prefixes)
    except Exception:  # presentation only: the text is still shown, unmarked
        log.exception("highlight failed for %r", query)
    return html.escape(text, quote=False)
