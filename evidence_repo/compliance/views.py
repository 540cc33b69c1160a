"""Compliance as the public and the committee see it: the assessment with its plan, the matrix and the timeline.

Restricted evidence counts toward compliance, but the public sees it only as "restringida" (no id, no title).
Exports (JSON, CSV, DOCX, PDF) live in `compliance.export`; words are added by templates and renderers, so
everything here is data.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evidence_repo.compliance.cache import ComplianceCache, read_state, uncommitted
from evidence_repo.compliance.engine import ActivityInfo, CommitmentAssessment, MilestoneAssessment, assess_groups, cell
from evidence_repo.compliance.load import (
    PUBLIC_VERSION,
    EvidenceGroups,
    evidence_groups,
    evidence_groups_of,
    load_commitment_by_id,
    plan_infos,
)
from evidence_repo.compliance.status import (
    CELL_LABELS,
    CELL_SYMBOLS,
    DEFAULT_SOON_DAYS,
    STATUS_COLOURS,
    STATUS_SYMBOLS,
    STATUSES,
    Status,
    missing_label,
)
from evidence_repo.plan.models import Commitment
from evidence_repo.plan.operations import load_commitment, load_commitments

RESTRICTED = "restringida"
PUBLICLY_OPENED = frozenset({"public", PUBLIC_VERSION})
__all__ = ["RESTRICTED", "STATUSES", "Compliance", "Timeline", "TimelineRow", "compute", "compute_many", "matrix",
           "missing_labels", "missing_sessions", "timeline"]
T = TypeVar("T")


@dataclass(frozen=True)
class Compliance:
    """One commitment's compliance as of a date. Immutable and free of database objects, so one result can serve
    many requests and threads (`compliance.cache`); the ORM commitment, when a page needs it, is the request's own."""

    commitment_id: int
    start_date: dt.date | None  # the commitment's, for the timeline
    end_date: dt.date | None
    assessment: CommitmentAssessment
    # evidence id → "public", "public_version" (restricted; the public opens its versión pública) or "restricted",
    # for every evidence of the commitment
    visibility: Mapping[int, str]
    counts: Mapping[tuple[int, str], int] = field(default_factory=dict)  # (milestone, visibility) → evidence
    plan_slug: str = ""  # for the open data: which programme these figures are about
    commitment_slug: str = ""
    _renderings: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)

    def milestone(self, number: int) -> MilestoneAssessment | None:
        return next((m for m in self.assessment.milestones if m.number == number), None)

    def ids(self, ids: Iterable[int], *, public: bool, verdict: bool = False) -> list[int | str]:
        """Evidence ids as an export shows them: for the ``public``, restricted ones are hidden as "restringida",
        except those it opens by their versión pública, unless the list tells a committee ``verdict``."""
        shown = {"public"} if verdict else PUBLICLY_OPENED
        return [i if not public or self.visibility.get(i) in shown else RESTRICTED for i in ids]

    def opened_by_public(self, evidence_id: int) -> bool:
        """Whether the public opens this evidence's page (public, or restricted with a versión pública)."""
        return self.visibility.get(evidence_id) in PUBLICLY_OPENED

    def evidence_count(self, number: int, *, include_restricted: bool) -> int:
        """How many evidence milestone ``number`` has (whatever the as-of date), counting restricted ones only
        for readers who may see them (and those the public opens by their versión pública)."""
        return sum(n for (milestone, visibility), n in self.counts.items()
                   if milestone == number and (include_restricted or visibility in PUBLICLY_OPENED))

    @property
    def means_columns(self) -> list[str]:
        """Every means some milestone requires, in the order the plan first asks for them."""
        return list(dict.fromkeys(name for m in self.assessment.milestones for name in m.required))

    def rendered(self, key: Hashable, render: Callable[[], T]) -> T:
        """``render()``, made once per result: the result never changes, so neither does its rendering. ``key`` must
        name everything else the rendering depends on (format, audience, language): a rendering for the public and
        one naming restricted evidence are two keys, never one."""
        try:
            found: T = self._renderings[key]
        except KeyError:
            found = self._renderings[key] = render()
        return found


def assess_commitment(session: Session, commitment: Commitment, as_of: dt.date,
                      soon_days: int = DEFAULT_SOON_DAYS, *, only: bool | None = None) -> Compliance:
    """Read the commitment's evidence (`load.evidence_groups`) and assess it: the cold path."""
    return _assess(commitment, evidence_groups(session, commitment, as_of, only=only), as_of, soon_days)


def _assess(commitment: Commitment, loaded: EvidenceGroups, as_of: dt.date, soon_days: int) -> Compliance:
    assessment = assess_groups(plan_infos(commitment), loaded.groups, as_of, soon_days=soon_days)
    return Compliance(commitment.id, commitment.start_date, commitment.end_date, assessment, loaded.visibility,
                      loaded.counts,
                      plan_slug=commitment.plan.slug, commitment_slug=commitment.slug)


def compute(session: Session, as_of: dt.date, soon_days: int = DEFAULT_SOON_DAYS,
            commitment: Commitment | int | None = None, *, cache: ComplianceCache | None = None) -> Compliance | None:
    """Compliance of ``commitment`` (the ORM object when the caller already loaded the plan, which saves its
    queries; or its id; None: the first commitment) as of ``as_of``. None when there is no such commitment.

    With ``cache`` a result is reused while the data generation stays the same (one query to check it)."""
    if cache is None or uncommitted(session):
        if not isinstance(commitment, Commitment):
            commitment = load_commitment(session) if commitment is None else load_commitment_by_id(session, commitment)
        return None if commitment is None else assess_commitment(session, commitment, as_of, soon_days)
    state = read_state(session)
    if commitment is None:
        commitment_id = state.first
    else:
        commitment_id = commitment.id if isinstance(commitment, Commitment) else commitment
    if commitment_id is None:
        return None
    key = (commitment_id, as_of, soon_days, state.generation)
    found = cache.get(key)
    if found is not None:
        return found
    if not isinstance(commitment, Commitment):
        commitment = load_commitment_by_id(session, commitment_id)
        if commitment is None:
            return None
    result = assess_commitment(session, commitment, as_of, soon_days, only=state.commitments == 1)
    cache.put(key, result)
    return result


def compute_many(session: Session, commitments: Iterable[Commitment], as_of: dt.date,
                 soon_days: int = DEFAULT_SOON_DAYS, *, cache: ComplianceCache | None = None) -> dict[int, Compliance]:
    """`compute` for several commitments (the portfolio, the home page, a plan's page) in a fixed number of queries
    however many there are: one to check the cache, and for the results it lacks, the plans of those commitments
    (`plan.operations.load_commitments`) and their evidence in the two queries of `load.evidence_groups_of`.
    ``commitments`` need not have their milestones loaded. Keyed by commitment id."""
    wanted = list(commitments)
    found: dict[int, Compliance] = {}
    keys: dict[int, Any] = {}
    total: int | None = None  # how many commitments exist
    if cache is not None and not uncommitted(session):
        state = read_state(session)
        total = state.commitments
        for commitment in wanted:
            keys[commitment.id] = (commitment.id, as_of, soon_days, state.generation)
            hit = cache.get(keys[commitment.id])
            if hit is not None:
                found[commitment.id] = hit
    missing = [c.id for c in wanted if c.id not in found]
    if missing:
        loaded = load_commitments(session, missing)
        if total is None:
            total = session.scalar(select(func.count()).select_from(Commitment))
        everything = total == len(loaded)
        for commitment_id, groups in evidence_groups_of(session, loaded, as_of, everything=everything).items():
            commitment = next(c for c in loaded if c.id == commitment_id)
            result = found[commitment_id] = _assess(commitment, groups, as_of, soon_days)
            if cache is not None and commitment_id in keys:
                cache.put(keys[commitment_id], result)
    return found


def missing_sessions(m: MilestoneAssessment, means: str) -> list[ActivityInfo]:
    """The sessions still lacking ``means``, named only when the milestone has several: with one session, the
    session is the milestone and naming it adds nothing. Empty when the means is due once for the milestone."""
    if len(m.activities) < 2:
        return []
    return [item.activity for item in m.missing_items if item.means == means and item.activity is not None]


def missing_labels(m: MilestoneAssessment) -> list[str]:
    """What the milestone still lacks, in words: "Lista de asistencia — Sesión del 25/11/19" for a session of a
    milestone with several, the means alone otherwise."""
    several = len(m.activities) > 1
    return list(dict.fromkeys(missing_label(item.means, item.activity if several else None)
                              for item in m.missing_items))


def matrix(c: Compliance, statuses: set[str] | None = None) -> list[dict[str, Any]]:
    """Rows of the milestones × means matrix. A cell's ``sessions`` are those lacking its means (`missing_sessions`);
    ``of`` is how many sessions must prove it, so the page can say "all 2 sessions" instead of naming each."""
    columns = c.means_columns
    labels = {state: str(label) for state, label in CELL_LABELS.items()}  # translated once, not once per cell
    rows = []
    for m in c.assessment.milestones:
        if statuses and m.status not in statuses:
            continue
        cells = []
        for means in columns:
            state = cell(m, means)
            cells.append({"means": means, "state": state, "label": labels[state], "symbol": CELL_SYMBOLS[state],
                          "evidence": list(m.evidence.get(means, ())) + list(m.observed.get(means, ())),
                          "sessions": missing_sessions(m, means),
                          "of": sum(1 for a in m.activities if means in a.required)})
        rows.append({"milestone": m, "cells": cells})
    return rows


# ------------------------------------------------------------------------------------------- timeline

@dataclass(frozen=True)
class TimelineRow:
    number: int
    y: float  # centre line of the row
    status: Status
    colour: str
    symbol: str
    percent: float
    due: dt.date | None
    x: float | None  # where the deadline falls; None = no date yet (drawn after the plot)


@dataclass(frozen=True)
class Timeline:
    """Geometry of the milestones-on-a-date-axis chart; the `timeline` macro in `_macros.html` draws and words it."""

    width: int
    height: int
    left: int
    top: int
    plot: int  # width of the date axis
    as_of: dt.date
    as_of_x: float
    is_today: bool
    beyond: str  # "→" / "←" when the as-of date falls outside the axis
    months: tuple[tuple[float, dt.date], ...]
    rows: tuple[TimelineRow, ...]
    undated: bool

    @property
    def right(self) -> int:
        return self.left + self.plot


def timeline(c: Compliance, *, today: dt.date | None = None, width: int = 960, row: int = 26) -> Timeline:
    """Milestones on a date axis, each with its status as colour, symbol and words; a line marks the as-of date."""
    as_of = c.assessment.as_of
    milestones = c.assessment.milestones
    points = [m.due for m in milestones if m.due] + [d for d in (c.start_date, c.end_date) if d]
    start = min(points, default=as_of)
    end = max(points, default=as_of)
    if as_of <= end + dt.timedelta(days=120):
        end = max(end, as_of)
    span = max((end - start).days, 1)
    left, right, top = 90, 150, 34
    plot = width - left - right
    height = top + row * (len(milestones) + 1) + 10

    def x(day: dt.date) -> float:
        return left + plot * min(max((day - start).days, 0), span) / span

    months = []
    month = dt.date(start.year, start.month, 1)
    while month <= end:
        if month >= start:
            months.append((x(month), month))
        month = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    rows = tuple(
        TimelineRow(number=m.number, y=top + row * i + row / 2, status=m.status, colour=STATUS_COLOURS[m.status],
                    symbol=STATUS_SYMBOLS[m.status], percent=m.percent, due=m.due, x=x(m.due) if m.due else None)
        for i, m in enumerate(milestones)
    )
    beyond = "→" if as_of > end else ("←" if as_of < start else "")
    return Timeline(width=width, height=height, left=left, top=top, plot=plot, as_of=as_of, as_of_x=x(as_of),
                    is_today=as_of == (today or dt.date.today()), beyond=beyond, months=tuple(months), rows=rows,
                    undated=any(m.due is None for m in milestones))
