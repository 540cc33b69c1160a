"""Search requests: validate the parameters people and scripts send, then ask the index.

The visibility passed to the index is decided by the caller from who is asking (evidence_repo.policy).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

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
        return {k: v for k, v in {"milestone": self.milestone, "means": self.means, "year": self.year,
                                  "file_type": self.type}.items() if v not in (None, "")}

    def as_args(self, **changes) -> dict[str, Any]:
        """Query-string arguments for a link to this search with some parameters changed."""
        args = {"q": self.q, "milestone": self.milestone, "means": self.means, "year": self.year, "type": self.type,
                "sort": self.sort if self.sort != "relevance" else None, "page": self.page if self.page > 1 else None}
        args.update(changes)
        return {k: v for k, v in args.items() if v not in (None, "")}


def _int(args: Mapping[str, str], name: str, problems: dict, minimum: int = 1, maximum: int | None = None):
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < minimum or (maximum is not None and int(raw) > maximum):
        bounds = f" entre {minimum} y {maximum}" if maximum else f" mayor o igual a {minimum}"
        problems[name] = f"«{name}» debe ser un número{bounds}."
        return None
    return int(raw)


def parse_params(args: Mapping[str, str], *, strict: bool) -> SearchParams:
    """Read search parameters. strict (the API) raises on the first problem; pages drop bad values and say so."""
    problems: dict[str, str] = {}
    params = SearchParams(
        q=(args.get("q") or "").strip()[:500],
        milestone=_int(args, "milestone", problems),
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
    if strict and problems:
        name, message = next(iter(problems.items()))
        raise SearchParamError(name, message)
    params.problems = problems
    return params


def run_search(index: SearchBackend, params: SearchParams, *, audience: frozenset[str]) -> SearchResults:
    """``audience`` comes from :func:`evidence_repo.policy.audience` for whoever asks, never from the request."""
    return index.search(params.q, filters=params.filters, visibility=audience,
                        page=params.page, per_page=params.per_page, sort=params.sort)


def hit_dict(hit) -> dict[str, Any]:
    return {"id": int(hit.id), "title": hit.title, "milestone": int(hit.milestone) if hit.milestone else None,
            "means": hit.means, "date": hit.date.isoformat() if hit.date else None, "file_type": hit.file_type,
            "snippet": hit.snippet}


def results_dict(results: SearchResults) -> dict[str, Any]:
    return {
        "total": results.total,
        "page": results.page,
        "per_page": results.per_page,
        "results": [hit_dict(h) for h in results.hits],
        "facets": results.facets,
        "suggestion": results.suggestion,
    }
