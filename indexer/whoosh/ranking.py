"""Relevance: Whoosh's own BM25F, computed from cached postings.

Summed over the query's terms exactly as Whoosh's matchers do (same formula,
statistics and tie order: lower document number first), but only for the
documents that match: Whoosh's matcher trees cost several microseconds per
document and field, which at 10^5 documents is most of a search.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh import scoring

from . import _internals
from .docsets import DocSets

# (field, text, boost, documents); a field of None is a constant score.
ScoringTerm = tuple[str | None, str | None, float, int]


def ranked(sets: DocSets, searcher: Any, q: wq.Query, matched: int, limit: int) -> list[int] | None:
    """The ``limit`` best documents of ``matched`` for the algebraic query
    ``q``; ``None`` when the searcher weighs by something else than BM25F.

    Each term's contribution is computed for all its postings at once
    (numpy, float64, Whoosh's scorer's operations; terms are summed left to
    right where Whoosh's matcher tree may pair them otherwise, so a score can
    differ from Whoosh's in its last bit)."""
    weighting = searcher.weighting
    if type(weighting) is not scoring.BM25F:
        return None
    reader = searcher.reader()
    masks = {matched: _mask(sets, matched)}
    scores = np.zeros(sets.size, np.float64)
    scored = np.zeros(sets.size, np.bool_)
    k1 = weighting.K1
    for fieldname, text, boost, bits in scoring_terms(sets, searcher, q, matched):
        if not bits:
            continue
        if bits not in masks:
            masks[bits] = _mask(sets, bits)
        mask = masks[bits]
        if fieldname is None or text is None:
            scores[mask] += boost
            scored |= mask
            continue
        entry = sets.postings(reader, fieldname, text)
        if not entry.ids:
            continue
        ids = np.frombuffer(entry.ids, np.uint32)
        keep = mask[ids]
        ids = ids[keep]
        if not ids.size:
            continue
        w = np.frombuffer(entry.weights, np.float32)[keep].astype(np.float64)
        if not reader.schema[fieldname].scorable:
            scores[ids] += w * boost
        else:
            idf = searcher.idf(fieldname, text)
            avgfl = searcher.avg_field_length(fieldname) or 1
            norm = np.array(_internals.length_norms(k1, _internals.bm25f_b(weighting, fieldname), avgfl))
            lengths = np.frombuffer(sets.lengths(reader, fieldname), np.uint8)
            scores[ids] += (idf * ((w * (k1 + 1)) / (w + norm[lengths[ids]]))) * boost
        scored[ids] = True
    top = _best(np.flatnonzero(scored), scores, limit)
    if len(top) < limit:  # matched without a scoring term (e.g. only NOT)
        rest = np.flatnonzero(masks[matched] & ~scored)
        top += rest[: limit - len(top)].tolist()
    return top


def _mask(sets: DocSets, bits: int) -> np.ndarray:
    return np.frombuffer(sets.to_bytes(bits), np.uint8).astype(np.bool_)


def _best(candidates: np.ndarray, scores: np.ndarray, limit: int) -> list[int]:
    """The ``limit`` candidates of highest score, ties by lower document
    number first (Whoosh's order)."""
    values = scores[candidates]
    if len(candidates) > limit:
        # Everything scoring at least the limit-th best value (ties included), then a full sort of those few.
        kth = np.partition(values, len(values) - limit)[len(values) - limit]
        keep = values >= kth
        candidates, values = candidates[keep], values[keep]
    order = np.lexsort((candidates, -values))[:limit]
    return candidates[order].tolist()


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
