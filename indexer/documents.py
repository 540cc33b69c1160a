"""Checking and normalizing the plain values callers hand to any backend."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from itertools import islice
from typing import TypeVar

from .contract import DOC_KEYS, FACETS, RESTRICTED, SORTS, Document, Visibility

T = TypeVar("T")

# The full-text fields of a normalized document (always strings, maybe empty).
TEXT_FIELDS = (
    "title", "description", "text", "milestone_text", "activity_text", "means_text",
    "commitment_title",
)
# Verbatim keyword fields (a string, or None when missing or empty).
KEYWORD_FIELDS = ("plan", "commitment", "milestone", "activity", "means", "year", "file_type")
# Shown on hits, neither searched nor filtered (a string, or None).
LABEL_FIELDS = ("plan_title",)

Filters = tuple[tuple[str, tuple[str, ...]], ...]


def normalize_document(doc: Document) -> dict[str, object]:
    """Validate a caller's document and return it canonical.

    Result: ``id`` and ``visibility`` (missing: restricted, i.e. fail closed)
    as strings; every :data:`TEXT_FIELDS` entry a string (``means_text``
    falls back to ``means``); every :data:`KEYWORD_FIELDS` and
    :data:`LABEL_FIELDS` entry a string kept verbatim (facet values and
    filters must round-trip) or None; ``date`` a naive UTC datetime or None;
    ``year`` from the date when not given.
    Raises ``ValueError`` for unknown keys, a missing id or a bad date.
    """
    unknown = doc.keys() - DOC_KEYS
    if unknown:
        raise ValueError(f"unknown document keys: {sorted(unknown)}")
    if doc.get("id") in (None, ""):
        raise ValueError("document without id")
    when = as_datetime(doc.get("date"))
    out: dict[str, object] = {
        "id": str(doc["id"]),
        "visibility": str(doc.get("visibility") or RESTRICTED),
        "date": when,
    }
    for name in TEXT_FIELDS:
        out[name] = str(doc.get(name) or "")
    if not out["means_text"]:
        out["means_text"] = _keyword(doc.get("means")) or ""
    for name in KEYWORD_FIELDS + LABEL_FIELDS:
        out[name] = _keyword(doc.get(name))
    if out["year"] is None and when is not None:
        out["year"] = str(when.year)
    return out


def _keyword(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def as_datetime(value: object) -> datetime | None:
    """A date, datetime or ISO string as a naive UTC datetime; None for none."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    raise ValueError(f"date must be a date, datetime or ISO string, not {value!r}")


def visibility_levels(visibility: Visibility) -> frozenset[str]:
    """The caller's visibility as a set of levels (empty: sees nothing)."""
    if isinstance(visibility, str):
        return frozenset({visibility})
    if visibility is None:
        raise TypeError("visibility is required")
    return frozenset(visibility)


def normalize_filters(filters: Mapping[str, object] | None) -> Filters:
    """Filters as a hashable, canonical value: ((name, (value, ...)), ...)."""
    filters = filters or {}
    unknown = filters.keys() - set(FACETS)
    if unknown:
        raise ValueError(f"unknown filters: {sorted(unknown)}")
    out = []
    for name, value in filters.items():
        values = [value] if isinstance(value, (str, int)) else list(value or ())  # type: ignore[call-overload]
        kept = sorted({str(v) for v in values if v not in (None, "")})
        if kept:
            out.append((name, tuple(kept)))
    return tuple(sorted(out))


def check_sort(sort: str) -> str:
    if sort not in SORTS:
        raise ValueError(f"sort must be 'relevance' or 'date', not {sort!r}")
    return sort


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch
