"""Relevance: Whoosh's own BM25F, computed from cached postings.

Summed over the query's terms exactly as Whoosh's matchers do (same formula,
statistics and tie order: lower document number first), but only for the
documents that match: Whoosh's matcher trees cost several microseconds per
document and field, which at 10^5 documents is most of a search.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from itertools import compress, count, islice
from typing import Any

from whoosh import query as wq
from whoosh import scoring

from . import _internals
from .docsets import DocSets

# (field, text, boost, documents); a field of None is a constant score.
ScoringTerm = tuple[str | None, str | None, float, int]


def ranked(sets: DocSets, searcher: Any, q: wq.Query, matched: int, limit: int) -> list[int] | None:
    """The ``limit`` best documents of ``matched`` for the algebraic query
    ``q``; ``None`` when the searcher weighs by something else than BM25F."""
    weighting = searcher.weighting
    if type(weighting) is not scoring.BM25F:
        return None
    reader = searcher.reader()
    masks = {matched: sets.to_bytes(matched)}
    scores: dict[int, float] = {}
    get = scores.get
    k1 = weighting.K1
    for fieldname, text, boost, mask in scoring_terms(sets, searcher, q, matched):
        if not mask:
            continue
        if mask not in masks:
            masks[mask] = sets.to_bytes(mask)
        data = masks[mask]
        if fieldname is None or text is None:
            for d in compress(count(), data):
                scores[d] = get(d, 0.0) + boost
            continue
        entry = sets.postings(reader, fieldname, text)
        if not entry.ids:
            continue
        if not reader.schema[fieldname].scorable:
            for d, w in zip(entry.ids, entry.weights):
                if data[d]:
                    scores[d] = get(d, 0.0) + w * boost
            continue
        idf = searcher.idf(fieldname, text)
        avgfl = searcher.avg_field_length(fieldname) or 1
        norm = _internals.length_norms(k1, _internals.bm25f_b(weighting, fieldname), avgfl)
        lengths = sets.lengths(reader, fieldname)
        for d, w in zip(entry.ids, entry.weights):
            if data[d]:
                scores[d] = get(d, 0.0) + (idf * ((w * (k1 + 1)) / (w + norm[lengths[d]]))) * boost
    top = heapq.nlargest(limit, scores, key=lambda d: (scores[d], -d))
    if len(top) < limit:  # matched without a scoring term (e.g. only NOT)
        rest = (d for d in compress(count(), masks[matched]) if d not in scores)
        top += islice(rest, limit - len(top))
    return top


def scoring_terms(
    sets: DocSets, searcher: Any, q: wq.Query, mask: int, boost: float = 1.0
) -> Iterator[ScoringTerm]:
    """(field, text, boost, documents) for each term whose score Whoosh adds
    up for ``q``, where documents are those of ``mask`` for which the term's
    enclosing subqueries all match (an OR adds the score of a conjunctive
    branch only where that whole branch matches). A field of None stands for
    a constant score ``boost``."""
    kind = type(q)
    boost *= q.boost
    if kind is wq.Term:
        yield q.fieldname, q.text, boost, mask
    elif kind is wq.Phrase:
        # Whoosh scores a phrase as the intersection of its terms.
        for word in q.words:
            yield q.fieldname, word, boost, mask
    elif kind is wq.Or:
        for child in q.children():
            sub = mask if type(child) in (wq.Term, wq.Or) else mask & sets.bits(searcher, child)
            yield from scoring_terms(sets, searcher, child, sub, boost)
    elif kind is wq.And:
        for child in q.children():
            if type(child) is wq.Not:
                # Whoosh intersects with an inverse matcher scoring 1.0.
                yield None, None, boost, mask
            else:
                yield from scoring_terms(sets, searcher, child, mask, boost)
    elif kind is wq.AndMaybe:
        yield from scoring_terms(sets, searcher, q.a, mask, boost)
        yield from scoring_terms(sets, searcher, q.b, mask & sets.bits(searcher, q.b), boost)
    elif kind in (wq.Require, wq.AndNot):
        yield from scoring_terms(sets, searcher, q.a, mask, boost)
