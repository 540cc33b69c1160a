"""Search requests: validate the parameters people and scripts send, then ask the index.

The visibility passed to the index is decided by the caller from who is asking (evidence_repo.policy).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from evidence_repo.db import MAX_INTEGER
from evidence_repo.inputs import whole_number
from evidence_repo.plan.models import Commitment, Plan
from evidence_repo.plan.slugs import is_slug
from indexer import SearchBackend, SearchResults

MAX_PER_PAGE = 100
# What a reader sees when the search engine itself failed (the backend has logged the error with its traceback).
SEARCH_FAILED = _l("La búsqueda falló por un error interno del buscador. Ya quedó registrado; intente de nuevo "
                   "más tarde.")


class SearchParamError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


@dataclass
class SearchParams:
    q: str = ""
    plan: str | None = None
    commitment: str | None = None
    milestone: int | None = None
    means: str | None = None
    year: int | None = None
    type: str | None = None
    page: int = 1
    per_page: int = 20
    sort: str = "relevance"
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def filters(self) -> dict[str, Any]:
        return {k: v for k, v in {"plan": self.plan, "commitment": self.commitment, "milestone": self.milestone,
                                  "means": self.means, "year": self.year, "file_type": self.type}.items()
                if v not in (None, "")}

    def as_args(self, **changes) -> dict[str, Any]:
        """Query-string arguments for a link to this search with some parameters changed."""
        args = {"q": self.q, "plan": self.plan, "commitment": self.commitment, "milestone": self.milestone,
                "means": self.means, "year": self.year, "type": self.type,
                "sort": self.sort if self.sort != "relevance" else None, "page": self.page if self.page > 1 else None}
        args.update(changes)
        return {k: v for k, v in args.items() if v not in (None, "")}


def _int(args: Mapping[str, str], name: str, problems: dict, minimum: int = 1, maximum: int | None = None):
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    number = whole_number(raw, minimum, maximum)
    if number is None:
        bounds = f" entre {minimum} y {maximum}" if maximum else f" mayor o igual a {minimum}"
        problems[name] = f"«{name}» debe ser un número{bounds}."
    return number


def _slug(args: Mapping[str, str], name: str, problems: dict):
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not is_slug(raw):  # a well-formed slug no plan has simply finds nothing
        problems[name] = f"«{name}» debe ser un slug: letras minúsculas sin acentos, números y guiones (hasta 80)."
        return None
    return raw


def parse_params(args: Mapping[str, str], *, strict: bool) -> SearchParams:
    """Read search parameters. strict (the API) raises on the first problem; pages drop bad values and say so."""
    problems: dict[str, str] = {}
    params = SearchParams(
        q=(args.get("q") or "").strip()[:500],
        plan=_slug(args, "plan", problems),
        commitment=_slug(args, "commitment", problems),
        milestone=_int(args, "milestone", problems, 1, MAX_INTEGER),
        means=(args.get("means") or "").strip()[:200] or None,
        year=_int(args, "year", problems, 1900, 2999),
        type=(args.get("type") or "").strip()[:80] or None,
        page=_int(args, "page", problems) or 1,
        per_page=_int(args, "per_page", problems, 1, MAX_PER_PAGE) or 20,
        sort=(args.get("sort") or "relevance").strip(),
    )
    if params.sort not in ("relevance", "date"):
        problems["sort"] = "«sort» debe ser «relevance» o «date»."
        params.sort = "relevance"
    if params.page > 10_000:
        problems["page"] = "«page» es demasiado grande."
        params.page = 1
    if strict:  # the API's numbers are numbers (pages send empty fields, which mean "any")
        for name in ("milestone", "year", "page", "per_page"):
            if name in args and not (args.get(name) or "").strip():
                problems.setdefault(name, f"«{name}» está vacío: omítalo o dé un número.")
    if strict and problems:
        name, message = next(iter(problems.items()))
        raise SearchParamError(name, message)
    params.problems = problems
    return params


def run_search(index: SearchBackend, params: SearchParams, *, audience: frozenset[str]) -> SearchResults:
    """``audience`` comes from :func:`evidence_repo.policy.audience` for whoever asks, never from the request."""
    return index.search(params.q, filters=params.filters, visibility=audience,
                        page=params.page, per_page=params.per_page, sort=params.sort)


Titles = dict[str, dict[str, str]]


def hit_dict(hit, titles: Titles | None = None) -> dict[str, Any]:
    """A hit as plain JSON values; plan and commitment titles from ``titles`` (:func:`programme_titles`)."""
    titles = titles or {}
    return {"id": int(hit.id), "title": hit.title, "plan": hit.plan or None,
            "plan_title": titles.get("plan", {}).get(hit.plan or "") or hit.plan_title or None,
            "commitment": hit.commitment or None,
            "commitment_title": titles.get("commitment", {}).get(hit.commitment or "") or hit.commitment_title or None,
            "milestone": int(hit.milestone) if hit.milestone else None,
            "means": hit.means, "date": hit.date.isoformat() if hit.date else None, "file_type": hit.file_type,
            "snippet": hit.snippet}


def results_dict(results: SearchResults, titles: Titles | None = None) -> dict[str, Any]:
    return {
        "total": results.total,
        "page": results.page,
        "per_page": results.per_page,
        "results": [hit_dict(h, titles) for h in results.hits],
        "facets": results.facets,
        "suggestion": results.suggestion,
    }


def switch_facets(index: SearchBackend, params: SearchParams, results: SearchResults, *,
                  audience: frozenset[str]) -> dict[str, dict[str, int]]:
    """Plan and commitment counts a reader can switch between, not only the chosen one.

    The index counts facets over the filtered results, so once a commitment is chosen its facet holds only that
    commitment. The plan list is counted without the plan, commitment and milestone filters, the commitment list
    without the commitment and milestone filters (a milestone number means nothing in another commitment); both
    with the same words, other filters and ``audience`` as the results, so they never count what the reader may
    not see. At most two more searches, and none when no plan, commitment or milestone is chosen.
    """
    def counts(filters: dict[str, Any]) -> dict[str, dict[str, int]]:
        return index.search(params.q, filters=filters, visibility=audience, page=1, per_page=1).facets

    base = {k: v for k, v in params.filters.items() if k not in ("plan", "commitment", "milestone")}
    facets = {"plan": results.facets.get("plan", {}), "commitment": results.facets.get("commitment", {})}
    if params.plan or params.commitment or params.milestone:
        everything = counts(base)
        facets["plan"] = everything.get("plan", {})
        facets["commitment"] = everything.get("commitment", {})
        if params.plan:
            facets["commitment"] = counts({**base, "plan": params.plan}).get("commitment", {})
    return facets


def programme_titles(session: Session, results: SearchResults, *more: Mapping[str, Any]) -> Titles:
    """Current titles of the plans and commitments that ``results`` (hits and facets) and ``more`` (other facet
    counts, chosen filters) name, by slug: titles change on import, slugs do not. Two small queries."""
    plans: set[str] = set(results.facets.get("plan", {}))
    commitments: set[str] = set(results.facets.get("commitment", {}))
    for hit in results.hits:
        plans.add(hit.plan or "")
        commitments.add(hit.commitment or "")
    for extra in more:
        plans.update(extra.get("plan") or ())
        commitments.update(extra.get("commitment") or ())
    plans.discard("")
    commitments.discard("")
    return {
        "plan": dict(session.execute(select(Plan.slug, Plan.title).where(Plan.slug.in_(plans))).all())
        if plans else {},
        "commitment": dict(session.execute(select(Commitment.slug, Commitment.title)
                                           .where(Commitment.slug.in_(commitments))).all())
        if commitments else {},
    }
