"""Compliance engine: which verification means each milestone and activity still lacks, as of a date.

Pure functions over frozen dataclasses, so the web views, the API, exports and the CLI can all share one
set of rules and the rules can be tested without a database. Callers translate their rows into the
``*Info`` inputs and pick which evidence to pass (e.g. only public evidence for the public site).

The rule, as "slots" that each need one satisfying (validated or pending-review, not observed) evidence:

* a requirement of one activity (``activity_id`` set) is one slot, met by evidence linked to that activity;
* a milestone requirement with scope ``"milestone"`` is one slot, met by any evidence of the milestone with
  that means, linked to an activity or not (a product of the milestone: plan de trabajo, informe…);
* a milestone requirement with scope ``"each_activity"`` is one slot per activity of the milestone, each met only
  by evidence linked to that activity (a session document: convocatoria, lista de asistencia…), so one session's
  attendance list never proves another session. Evidence of the milestone that names no activity proves no
  session, with one exception: when the milestone has exactly one activity, such evidence can only be about
  that one and counts for it. A milestone without activities has no sessions: the requirement is one
  milestone slot.

Slots are deduplicated by (means, activity). A milestone is complete when all its slots are met; its percent is
met slots over slots. An activity is judged on the slots that are its own (its requirements and its share of
the ``each_activity`` ones); when it has none it has no status of its own (``status``/``percent`` None: it is
evaluated with its milestone), never "completo 100 %" for nothing.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, get_args

from evidence_repo.compliance.status import (
    DEFAULT_SOON_DAYS,
    CellState,
    ReviewInfo,
    ReviewState,
    Status,
    due_date,
    review_state,
    status_for,
    utc_date,
)

Scope = Literal["each_activity", "milestone"]
SCOPES: tuple[str, ...] = get_args(Scope)

# ---------------------------------------------------------------------------------------------- inputs

@dataclass(frozen=True)
class ActivityInfo:
    id: int
    name: str | None
    date: date | None  # None = "Por definir"


@dataclass(frozen=True)
class RequirementInfo:
    means: str
    activity_id: int | None = None  # None = required of the milestone (once, or of each activity: see scope)
    scope: Scope = "milestone"  # of a milestone requirement; an activity's own requirement is its own either way

    def __post_init__(self) -> None:
        object.__setattr__(self, "scope", getattr(self.scope, "value", self.scope))
        # A typo here would silently turn per-session requirements into once-per-milestone ones: fail loudly.
        if self.scope not in SCOPES:
            raise ValueError(f"alcance de requisito inválido: {self.scope!r}")


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
class MissingItem:
    """One unmet slot: a means still lacking for one activity, or (``activity`` None) for the whole milestone."""

    means: str
    activity: ActivityInfo | None = None


@dataclass(frozen=True)
class ActivityAssessment:
    id: int
    name: str | None
    due: date | None
    status: Status | None  # None: nothing is required of this activity on its own (evaluated with its milestone)
    percent: float | None  # None likewise
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
    missing: tuple[str, ...]  # means with at least one unmet slot
    evidence: dict[str, tuple[int, ...]]
    observed: dict[str, tuple[int, ...]]
    activities: tuple[ActivityAssessment, ...]
    cells: dict[str, CellState] = field(default_factory=dict)
    missing_items: tuple[MissingItem, ...] = ()  # every unmet slot, by means then activity, naming the activity
    # means → evidence ids of a per-session means that name no activity of a multi-session milestone, so prove none
    unassigned: dict[str, tuple[int, ...]] = field(default_factory=dict)


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
_Slot = tuple[str, int | None]  # (means, activity id or None = once for the milestone)
_UNASSIGNED = -1  # index key of evidence that names no activity (and cannot be attributed to a sole one)

GroupKey = tuple[int, int | None, str, ReviewState]  # (milestone, activity id or None, means, review state)
EvidenceGroups = Mapping[GroupKey, Sequence[int]]
"""The evidence that exists on the as-of date, its ids grouped by milestone, activity, means and review state on
that date: all the engine needs of it. A loader can build it straight from database rows (`compliance.load`)."""


def group_evidence(evidence: Iterable[EvidenceInfo], as_of: date) -> dict[GroupKey, list[int]]:
    """One pass over the evidence: what existed on ``as_of``, grouped with its review state on that date."""
    groups: dict[GroupKey, list[int]] = defaultdict(list)
    for ev in evidence:
        if utc_date(ev.created_at) > as_of:
            continue  # did not exist yet
        groups[(ev.milestone, ev.activity_id, ev.means, review_state(ev.reviews, as_of))].append(ev.id)
    return groups


def _index(groups: EvidenceGroups, sole: dict[int, int]) -> dict[_Key, _Bucket]:
    """Bucket the groups by milestone-wide and by activity key, with their state (one step per group, not per
    evidence). ``sole``: milestone → its only activity, to which evidence naming no activity is attributed."""
    index: dict[_Key, _Bucket] = defaultdict(lambda: defaultdict(list))
    for (milestone, activity_id, means, state), ids in groups.items():
        index[(milestone, None, means)][state].extend(ids)
        if activity_id is None:
            activity_id = sole.get(milestone)
        index[(milestone, _UNASSIGNED if activity_id is None else activity_id, means)][state].extend(ids)
    return index


def _slots(m: MilestoneInfo) -> list[_Slot]:
    """The milestone's requirements as (means, activity) slots, in plan order, without duplicates."""
    slots: list[_Slot] = []
    for r in m.requirements:
        if r.activity_id is None and r.scope == "each_activity" and m.activities:
            slots += [(r.means, a.id) for a in m.activities]
        else:
            slots.append((r.means, r.activity_id))
    return list(dict.fromkeys(slots))


@dataclass
class _Judgement:
    required: tuple[str, ...]
    missing: tuple[str, ...]
    missing_slots: tuple[_Slot, ...]
    evidence: dict[str, tuple[int, ...]]
    observed: dict[str, tuple[int, ...]]
    cells: dict[str, CellState]
    satisfied: int
    total: int


def _judge(number: int, slots: Iterable[_Slot], index: dict[_Key, _Bucket]) -> _Judgement:
    """Evaluate (means, activity) slots and summarise them per means."""
    empty: _Bucket = {}
    by_means: dict[str, list[tuple[_Slot, _Bucket]]] = {}
    for slot in slots:
        means, activity_id = slot
        by_means.setdefault(means, []).append((slot, index.get((number, activity_id, means), empty)))

    missing: list[str] = []
    missing_slots: list[_Slot] = []
    evidence: dict[str, tuple[int, ...]] = {}
    observed: dict[str, tuple[int, ...]] = {}
    cells: dict[str, CellState] = {}
    satisfied = total = 0
    for means, judged in by_means.items():
        buckets = [b for _, b in judged]
        ok = [bool(b.get("validada") or b.get("pendiente")) for b in buckets]
        satisfied, total = satisfied + sum(ok), total + len(ok)
        evidence[means] = tuple(sorted({i for b in buckets for s in ("validada", "pendiente") for i in b.get(s, ())}))
        observed[means] = tuple(sorted({i for b in buckets for i in b.get("observada", ())}))
        if all(ok):
            cells[means] = "cumplido" if all(b.get("validada") for b in buckets) else "pendiente_revision"
        else:
            missing.append(means)
            missing_slots += [slot for (slot, _), met in zip(judged, ok) if not met]
            unmet = [b for b, met in zip(buckets, ok) if not met]
            cells[means] = "observado" if any(b.get("observada") for b in unmet) else "faltante"
    return _Judgement(tuple(by_means), tuple(missing), tuple(missing_slots), evidence, observed, cells,
                      satisfied, total)


def assess(
    milestones: Sequence[MilestoneInfo],
    evidence: Iterable[EvidenceInfo],
    as_of: date,
    *,
    soon_days: int = DEFAULT_SOON_DAYS,
) -> CommitmentAssessment:
    """Assess every milestone and activity as of ``as_of``; O(milestones × activities × requirements + evidence)."""
    return assess_groups(milestones, group_evidence(evidence, as_of), as_of, soon_days=soon_days)


def assess_groups(
    milestones: Sequence[MilestoneInfo],
    groups: EvidenceGroups,
    as_of: date,
    *,
    soon_days: int = DEFAULT_SOON_DAYS,
) -> CommitmentAssessment:
    """`assess` for evidence already grouped as of ``as_of`` (`group_evidence`, or a loader doing the same)."""
    sole = {m.number: m.activities[0].id for m in milestones if len(m.activities) == 1}
    index = _index(groups, sole)
    results: list[MilestoneAssessment] = []
    satisfied = total = 0
    for m in milestones:
        slots = _slots(m)
        whole = _judge(m.number, slots, index)
        satisfied, total = satisfied + whole.satisfied, total + whole.total
        by_id = {a.id: a for a in m.activities}
        activities = []
        for a in m.activities:
            own = _judge(m.number, [s for s in slots if s[1] == a.id], index)
            activities.append(ActivityAssessment(
                id=a.id, name=a.name, due=a.date,
                status=status_for(not own.missing, a.date, as_of, soon_days) if own.total else None,
                percent=_percent(own.satisfied, own.total) if own.total else None,
                required=own.required, missing=own.missing,
                evidence=own.evidence, observed=own.observed, cells=own.cells,
            ))
        # Means proven only session by session, where evidence naming no session proves nothing.
        per_session = ({means for means, activity_id in slots if activity_id is not None}
                       - {means for means, activity_id in slots if activity_id is None})
        unassigned = {means: tuple(sorted(i for ids in index.get((m.number, _UNASSIGNED, means), {}).values()
                                          for i in ids))
                      for means in per_session}
        due = due_date(a.date for a in m.activities)
        results.append(MilestoneAssessment(
            number=m.number,
            status=status_for(not whole.missing, due, as_of, soon_days),
            percent=_percent(whole.satisfied, whole.total),
            due=due, required=whole.required, missing=whole.missing,
            evidence=whole.evidence, observed=whole.observed,
            activities=tuple(activities), cells=whole.cells,
            missing_items=tuple(
                MissingItem(means, None if activity_id is None
                            else by_id.get(activity_id) or ActivityInfo(activity_id, None, None))
                for means, activity_id in whole.missing_slots),
            unassigned={means: ids for means, ids in unassigned.items() if ids},
        ))
    return CommitmentAssessment(as_of=as_of, percent=_percent(satisfied, total), milestones=tuple(results))


def cell(assessment: MilestoneAssessment | ActivityAssessment, means: str) -> CellState:
    """State of one (milestone or activity) × means cell of the dashboard matrix."""
    return assessment.cells.get(means, "no_requerido")
