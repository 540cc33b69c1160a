"""Compliance engine: which verification means each milestone and activity still lacks, as of a date.

Pure functions over frozen dataclasses, so the web views, the API, exports and the CLI can all share one
set of rules and the rules can be tested without a database. Callers translate their rows into the
``*Info`` inputs and pick which evidence to pass (e.g. only public evidence for the public site).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from evidence_repo.compliance.status import (
    DEFAULT_SOON_DAYS,
    CellState,
    ReviewInfo,
    Status,
    due_date,
    review_state,
    status_for,
    utc_date,
)

# ---------------------------------------------------------------------------------------------- inputs

@dataclass(frozen=True)
class ActivityInfo:
    id: int
    name: str | None
    date: date | None  # None = "Por definir"


@dataclass(frozen=True)
class RequirementInfo:
    means: str
    activity_id: int | None = None  # None = required of the milestone as a whole


@dataclass(frozen=True)
class MilestoneInfo:
    number: int
    objective: str
    activities: tuple[ActivityInfo, ...] = ()
    requirements: tuple[RequirementInfo, ...] = ()


@dataclass(frozen=True)
class EvidenceInfo:
    id: int
    milestone: int
    activity_id: int | None
    means: str
    created_at: datetime
    visibility: str  # carried for callers; compliance itself does not depend on it
    reviews: tuple[ReviewInfo, ...] = ()


# --------------------------------------------------------------------------------------------- outputs

@dataclass(frozen=True)
class ActivityAssessment:
    id: int
    name: str | None
    due: date | None
    status: Status
    percent: float
    required: tuple[str, ...]
    missing: tuple[str, ...]
    evidence: dict[str, tuple[int, ...]]  # means → satisfying (validated or pending) evidence ids
    observed: dict[str, tuple[int, ...]] = field(default_factory=dict)
    cells: dict[str, CellState] = field(default_factory=dict)


@dataclass(frozen=True)
class MilestoneAssessment:
    number: int
    status: Status
    percent: float
    due: date | None
    required: tuple[str, ...]
    missing: tuple[str, ...]
    evidence: dict[str, tuple[int, ...]]
    observed: dict[str, tuple[int, ...]]
    activities: tuple[ActivityAssessment, ...]
    cells: dict[str, CellState] = field(default_factory=dict)


@dataclass(frozen=True)
class CommitmentAssessment:
    as_of: date
    percent: float
    milestones: tuple[MilestoneAssessment, ...]


# ------------------------------------------------------------------------------------------ primitives

def _percent(satisfied: int, total: int) -> float:
    return 100.0 if total == 0 else round(satisfied * 100 / total, 1)


# ------------------------------------------------------------------------------------------ evaluation

_Bucket = dict[str, list[int]]  # review state → evidence ids
_Key = tuple[int, int | None, str]  # (milestone, activity id or None = any activity, means)


def _index(evidence: Iterable[EvidenceInfo], as_of: date) -> dict[_Key, _Bucket]:
    """One pass over the evidence: bucket it by milestone-wide and by activity key, with its state."""
    index: dict[_Key, _Bucket] = defaultdict(lambda: defaultdict(list))
    for ev in evidence:
        if utc_date(ev.created_at) > as_of:
            continue  # did not exist yet
        state = review_state(ev.reviews, as_of)
        index[(ev.milestone, None, ev.means)][state].append(ev.id)
        if ev.activity_id is not None:
            index[(ev.milestone, ev.activity_id, ev.means)][state].append(ev.id)
    return index


@dataclass
class _Judgement:
    required: tuple[str, ...]
    missing: tuple[str, ...]
    evidence: dict[str, tuple[int, ...]]
    observed: dict[str, tuple[int, ...]]
    cells: dict[str, CellState]
    satisfied: int
    total: int


def _judge(number: int, requirements: Iterable[RequirementInfo], index: dict[_Key, _Bucket]) -> _Judgement:
    """Evaluate requirements (deduplicated by (means, activity)) and summarise them per means."""
    pairs = list(dict.fromkeys((r.means, r.activity_id) for r in requirements))
    empty: _Bucket = {}
    by_means: dict[str, list[_Bucket]] = {}
    for means, activity_id in pairs:
        by_means.setdefault(means, []).append(index.get((number, activity_id, means), empty))

    missing: list[str] = []
    evidence: dict[str, tuple[int, ...]] = {}
    observed: dict[str, tuple[int, ...]] = {}
    cells: dict[str, CellState] = {}
    satisfied = 0
    for means, buckets in by_means.items():
        ok = [bool(b.get("validada") or b.get("pendiente")) for b in buckets]
        satisfied += sum(ok)
        evidence[means] = tuple(sorted({i for b in buckets for s in ("validada", "pendiente") for i in b.get(s, ())}))
        observed[means] = tuple(sorted({i for b in buckets for i in b.get("observada", ())}))
        if all(ok):
            cells[means] = "cumplido" if all(b.get("validada") for b in buckets) else "pendiente_revision"
        else:
            missing.append(means)
            unmet = [b for b, met in zip(buckets, ok) if not met]
            cells[means] = "observado" if any(b.get("observada") for b in unmet) else "faltante"
    return _Judgement(tuple(by_means), tuple(missing), evidence, observed, cells, satisfied, len(pairs))


def assess(
    milestones: Sequence[MilestoneInfo],
    evidence: Iterable[EvidenceInfo],
    as_of: date,
    *,
    soon_days: int = DEFAULT_SOON_DAYS,
) -> CommitmentAssessment:
    """Assess every milestone and activity as of ``as_of``; O(milestones × requirements + evidence)."""
    index = _index(evidence, as_of)
    results: list[MilestoneAssessment] = []
    satisfied = total = 0
    for m in milestones:
        whole = _judge(m.number, m.requirements, index)
        satisfied, total = satisfied + whole.satisfied, total + whole.total
        per_activity: dict[int | None, list[RequirementInfo]] = defaultdict(list)
        for r in m.requirements:
            per_activity[r.activity_id].append(r)
        activities = []
        for a in m.activities:
            own = _judge(m.number, per_activity.get(a.id, ()), index)
            activities.append(ActivityAssessment(
                id=a.id, name=a.name, due=a.date,
                status=status_for(not own.missing, a.date, as_of, soon_days),
                percent=_percent(own.satisfied, own.total),
                required=own.required, missing=own.missing,
                evidence=own.evidence, observed=own.observed, cells=own.cells,
            ))
        due = due_date(a.date for a in m.activities)
        results.append(MilestoneAssessment(
            number=m.number,
            status=status_for(not whole.missing, due, as_of, soon_days),
            percent=_percent(whole.satisfied, whole.total),
            due=due, required=whole.required, missing=whole.missing,
            evidence=whole.evidence, observed=whole.observed,
            activities=tuple(activities), cells=whole.cells,
        ))
    return CommitmentAssessment(as_of=as_of, percent=_percent(satisfied, total), milestones=tuple(results))


def cell(assessment: MilestoneAssessment | ActivityAssessment, means: str) -> CellState:
    """State of one (milestone or activity) × means cell of the dashboard matrix."""
    return assessment.cells.get(means, "no_requerido")

