"""Compliance engine rules, table-driven over small hand-built plans (no app, no database)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from enum import Enum
from typing import get_args

import pytest

from evidence_repo.compliance import (
    CELL_LABELS,
    CELL_SYMBOLS,
    STATUS_LABELS,
    ActivityInfo,
    CellState,
    EvidenceInfo,
    MilestoneInfo,
    MissingItem,
    RequirementInfo,
    ReviewInfo,
    Status,
    assess,
    cell,
)

D = date.fromisoformat


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour)


def ev(id: int, means: str, *, m: int = 1, act: int | None = None, created: str = "2026-01-10",
       reviews: tuple[tuple[str, str], ...] = ()) -> EvidenceInfo:
    return EvidenceInfo(id=id, milestone=m, activity_id=act, means=means, created_at=at(created),
                        visibility="public", reviews=tuple(ReviewInfo(at(d), s) for d, s in reviews))


def req(means: str, act: int | None = None, scope: str = "milestone") -> RequirementInfo:
    return RequirementInfo(means, act, scope)  # type: ignore[arg-type]


def ms(number: int, *reqs: RequirementInfo, dates: tuple[str | None, ...] = ("2026-03-31",),
       first_id: int | None = None) -> MilestoneInfo:
    base = first_id if first_id is not None else number * 10
    acts = tuple(ActivityInfo(base + i, f"Actividad {i}", D(d) if d else None) for i, d in enumerate(dates))
    return MilestoneInfo(number, f"Hito {number}", acts, reqs)


# One milestone due 2026-03-31 with two milestone-level means.
SIMPLE = [ms(1, req("Convocatoria"), req("Minuta"))]
# Two activities with different activity-level means, plus one milestone-level means.
SPLIT = [ms(2, req("Convocatoria", 20), req("Relatoría", 21), req("Minuta"), dates=("2026-03-01", "2026-03-15"))]


def one(plan, evidence, as_of, **kw):
    return assess(plan, evidence, D(as_of), **kw).milestones[0]


# ---------------------------------------------------------------------------------------------- status

@pytest.mark.parametrize("plan, evidence, as_of, soon_days, expected", [
    pytest.param(SIMPLE, [ev(1, "Convocatoria"), ev(2, "Minuta")], "2026-05-01", 15, "completo",
                 id="complete-wins-over-overdue"),
    pytest.param(SIMPLE, [ev(1, "Convocatoria")], "2026-04-01", 15, "vencido", id="day-after-deadline"),
    pytest.param(SIMPLE, [ev(1, "Convocatoria")], "2026-03-31", 15, "proximo", id="on-deadline"),
    pytest.param(SIMPLE, [], "2026-03-16", 15, "proximo", id="exactly-soon-days-before"),
    pytest.param(SIMPLE, [], "2026-03-15", 15, "incompleto", id="one-day-beyond-soon-window"),
    pytest.param(SIMPLE, [], "2026-03-31", 0, "proximo", id="soon-days-zero-on-deadline"),
    pytest.param(SIMPLE, [], "2026-03-30", 0, "incompleto", id="soon-days-zero-day-before"),
    pytest.param(SIMPLE, [], "2026-03-01", 30, "proximo", id="configurable-window"),
    pytest.param([ms(1, req("Minuta"), dates=("2026-01-01", None))], [], "2026-05-01", 15, "sin_fecha",
                 id="any-activity-undated"),
    pytest.param([ms(1, req("Minuta"), dates=())], [], "2026-05-01", 15, "sin_fecha", id="no-activities"),
    pytest.param([ms(1, req("Minuta"), dates=(None,))], [ev(1, "Minuta")], "2026-05-01", 15, "completo",
                 id="undated-but-complete"),
    pytest.param([ms(1, dates=("2026-01-01",))], [], "2026-05-01", 15, "completo", id="nothing-required"),
])
def test_milestone_status(plan, evidence, as_of, soon_days, expected):
    assert one(plan, evidence, as_of, soon_days=soon_days).status == expected


def test_due_is_latest_activity_date_or_none():
    assert one([ms(1, dates=("2026-03-01", "2026-02-01"))], [], "2026-01-01").due == D("2026-03-01")
    assert one([ms(1, dates=("2026-03-01", None))], [], "2026-01-01").due is None


# ------------------------------------------------------------------------------- activity vs milestone

@pytest.mark.parametrize("evidence, missing, act_missing", [
    ([], ("Convocatoria", "Relatoría", "Minuta"), (("Convocatoria",), ("Relatoría",))),
    ([ev(1, "Convocatoria", m=2, act=21)], ("Convocatoria", "Relatoría", "Minuta"),
     (("Convocatoria",), ("Relatoría",))),  # linked to the other activity
    ([ev(1, "Convocatoria", m=2)], ("Convocatoria", "Relatoría", "Minuta"),
     (("Convocatoria",), ("Relatoría",))),  # linked to no activity
    ([ev(1, "Convocatoria", m=2, act=20)], ("Relatoría", "Minuta"), ((), ("Relatoría",))),
    ([ev(1, "Minuta", m=2, act=21)], ("Convocatoria", "Relatoría"), (("Convocatoria",), ("Relatoría",))),
    ([ev(1, "Minuta", m=2)], ("Convocatoria", "Relatoría"), (("Convocatoria",), ("Relatoría",))),
    ([ev(1, "Minuta", m=3)], ("Convocatoria", "Relatoría", "Minuta"),
     (("Convocatoria",), ("Relatoría",))),  # another milestone
])
def test_activity_and_milestone_level_requirements(evidence, missing, act_missing):
    result = one(SPLIT, evidence, "2026-02-01")
    assert result.required == ("Convocatoria", "Relatoría", "Minuta")
    assert result.missing == missing
    assert tuple(a.missing for a in result.activities) == act_missing
    assert tuple(a.required for a in result.activities) == (("Convocatoria",), ("Relatoría",))


def test_activity_status_uses_its_own_date():
    result = one(SPLIT, [ev(1, "Relatoría", m=2, act=21)], "2026-03-05")
    first, second = result.activities
    assert (first.status, first.due, first.percent) == ("vencido", D("2026-03-01"), 0.0)
    assert (second.status, second.due, second.percent) == ("completo", D("2026-03-15"), 100.0)
    assert result.status == "proximo"  # due 2026-03-15, Convocatoria and Minuta still missing


def test_activity_with_nothing_of_its_own_has_no_status_of_its_own():
    """Not "completo 100 %" for nothing: it is evaluated with its milestone (the report says so)."""
    result = one([ms(1, req("Minuta"), dates=("2026-01-01", None))], [], "2026-05-01")
    assert [(a.status, a.percent, a.required, a.missing) for a in result.activities] == [(None, None, (), ())] * 2
    assert (result.status, result.missing) == ("sin_fecha", ("Minuta",))


# -------------------------------------------------------------------------------- reviews and as-of

@pytest.mark.parametrize("created, reviews, as_of, satisfied, expected_cell", [
    ("2026-01-10", (), "2026-02-01", True, "pendiente_revision"),
    ("2026-01-10", (("2026-01-12", "validada"),), "2026-02-01", True, "cumplido"),
    ("2026-01-10", (("2026-01-12", "observada"),), "2026-02-01", False, "observado"),
    ("2026-01-10", (("2026-01-12", "observada"), ("2026-01-20", "validada")), "2026-02-01", True, "cumplido"),
    ("2026-01-10", (("2026-01-20", "validada"), ("2026-01-12", "observada")), "2026-02-01", True, "cumplido"),
    ("2026-01-10", (("2026-01-12", "validada"), ("2026-01-20", "observada")), "2026-02-01", False, "observado"),
    ("2026-01-10", (("2026-01-12", "observada"), ("2026-03-01", "validada")), "2026-02-01", False, "observado"),
    ("2026-01-10", (("2026-03-01", "validada"),), "2026-02-01", True, "pendiente_revision"),
    ("2026-01-10", (("2026-02-01", "validada"),), "2026-02-01", True, "cumplido"),  # same day counts
    ("2026-01-10", (("2026-01-12", "validada"), ("2026-01-20", "pendiente")), "2026-02-01", True,
     "pendiente_revision"),  # a new version resets the decision
    ("2026-01-10", (("2026-01-12", "observada"), ("2026-01-20", "pendiente")), "2026-02-01", True,
     "pendiente_revision"),
    ("2026-03-01", (), "2026-02-01", False, "faltante"),  # did not exist yet
    ("2026-02-01", (), "2026-02-01", True, "pendiente_revision"),  # created on the as-of date
])
def test_review_state_as_of(created, reviews, as_of, satisfied, expected_cell):
    result = one([ms(1, req("Minuta"))], [ev(7, "Minuta", created=created, reviews=reviews)], as_of)
    assert (result.missing == ()) is satisfied
    assert cell(result, "Minuta") == expected_cell
    assert result.evidence["Minuta"] == ((7,) if satisfied else ())
    assert result.observed["Minuta"] == ((7,) if expected_cell == "observado" else ())


def test_datetimes_compared_as_utc_dates():
    late_in_mexico = datetime(2026, 1, 31, 20, 0, tzinfo=timezone(timedelta(hours=-6)))  # 02:00 UTC on Feb 1
    evidence = EvidenceInfo(1, 1, None, "Minuta", late_in_mexico, "restricted")
    assert one([ms(1, req("Minuta"))], [evidence], "2026-01-31").missing == ("Minuta",)
    assert one([ms(1, req("Minuta"))], [evidence], "2026-02-01").missing == ()


def test_review_state_is_validated_and_enum_values_are_accepted():
    class Stored(str, Enum):  # like evidence_repo's ReviewState: member names differ from values
        validated = "validada"

    assert ReviewInfo(at("2026-01-01"), Stored.validated).state == "validada"  # type: ignore[arg-type]
    assert type(ReviewInfo(at("2026-01-01"), Stored.validated).state) is str  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ReviewInfo(at("2026-01-01"), "aprobada")  # type: ignore[arg-type]


def test_evidence_is_read_in_a_single_pass():
    result = assess(SIMPLE, (e for e in [ev(1, "Convocatoria"), ev(2, "Minuta")]), D("2026-02-01"))
    assert result.milestones[0].status == "completo"


# -------------------------------------------------------------------------------------------- percents

@pytest.mark.parametrize("plan, evidence, milestone_percents, commitment", [
    (SIMPLE, [], [0.0], 0.0),
    (SIMPLE, [ev(1, "Convocatoria"), ev(2, "Convocatoria")], [50.0], 50.0),
    (SPLIT, [ev(1, "Minuta", m=2)], [33.3], 33.3),
    ([ms(1, req("Minuta"), req("Minuta"), req("Acta"))], [ev(1, "Minuta")], [50.0], 50.0),  # duplicates once
    ([ms(1, req("Minuta"), req("Minuta", 10), dates=("2026-03-01", "2026-03-15"))], [ev(1, "Minuta")], [50.0],
     50.0),  # two distinct pairs
    ([ms(1, req("Minuta"), req("Minuta", 10))], [ev(1, "Minuta")], [100.0], 100.0),  # its only activity's
    ([ms(1, req("A"), req("B")), ms(2, req("C")), ms(3)], [ev(1, "A")], [50.0, 0.0, 100.0], 33.3),
    ([ms(1, req("A"), req("B"), req("C"), req("D")), ms(2, req("E"))],
     [ev(1, "A"), ev(2, "E", m=2)], [25.0, 100.0], 40.0),
    ([ms(1)], [], [100.0], 100.0),
    ([], [], [], 100.0),
])
def test_percents(plan, evidence, milestone_percents, commitment):
    result = assess(plan, evidence, D("2026-02-01"))
    assert [m.percent for m in result.milestones] == milestone_percents
    assert result.percent == commitment
    assert result.as_of == D("2026-02-01")


def test_observed_evidence_does_not_count_toward_percent():
    result = one(SIMPLE, [ev(1, "Convocatoria", reviews=(("2026-01-11", "observada"),))], "2026-02-01")
    assert result.percent == 0.0
    assert result.evidence == {"Convocatoria": (), "Minuta": ()}
    assert result.observed == {"Convocatoria": (1,), "Minuta": ()}


# ----------------------------------------------------------------------------------------------- cells

VALIDATED, OBSERVED = (("2026-01-11", "validada"),), (("2026-01-11", "observada"),)
TWICE = [ms(1, req("Convocatoria", 10), req("Convocatoria", 11), dates=("2026-03-01", "2026-03-15"))]


@pytest.mark.parametrize("evidence, expected", [
    ([ev(1, "Convocatoria", act=10, reviews=VALIDATED), ev(2, "Convocatoria", act=11, reviews=VALIDATED)], "cumplido"),
    ([ev(1, "Convocatoria", act=10, reviews=VALIDATED), ev(2, "Convocatoria", act=11)], "pendiente_revision"),
    ([ev(1, "Convocatoria", act=10, reviews=VALIDATED), ev(2, "Convocatoria", act=11, reviews=OBSERVED)], "observado"),
    ([ev(1, "Convocatoria", act=10, reviews=VALIDATED)], "faltante"),
    ([ev(1, "Convocatoria", act=10, reviews=VALIDATED), ev(2, "Convocatoria", act=11, reviews=VALIDATED),
      ev(3, "Convocatoria", act=11, reviews=OBSERVED)], "cumplido"),
    ([ev(1, "Convocatoria", act=11), ev(2, "Convocatoria", act=11, reviews=VALIDATED)], "faltante"),
])
def test_cells_with_one_means_required_by_two_activities(evidence, expected):
    result = one(TWICE, evidence, "2026-02-01")
    assert cell(result, "Convocatoria") == expected
    assert cell(result, "Minuta") == "no_requerido"


def test_activity_cells():
    result = one(SPLIT, [ev(1, "Convocatoria", m=2, act=20, reviews=VALIDATED), ev(2, "Relatoría", m=2, act=21, reviews=OBSERVED)],
                 "2026-02-01")
    first, second = result.activities
    assert (cell(first, "Convocatoria"), cell(first, "Relatoría")) == ("cumplido", "no_requerido")
    assert cell(second, "Relatoría") == "observado"
    assert (cell(result, "Minuta"), first.evidence, second.observed) == (
        "faltante", {"Convocatoria": (1,)}, {"Relatoría": (2,)})


def test_labels_cover_every_code_and_symbols_are_distinct():
    assert set(STATUS_LABELS) == set(get_args(Status))
    assert set(CELL_LABELS) == set(CELL_SYMBOLS) == set(get_args(CellState))
    assert len(set(CELL_SYMBOLS.values())) == len(CELL_SYMBOLS)
    assert STATUS_LABELS["proximo"] == "Próximo a vencer" and CELL_LABELS["pendiente_revision"] == "En revisión"


# ---------------------------------------------------------------------------------- Jalisco seed shape

BASE = ("Convocatoria", "Lista de asistencia", "Memoria fotográfica")
M3_MEANS = (*BASE, "Minuta", "Informe de retroalimentación")
JALISCO = [
    MilestoneInfo(2, "Capacitar a sociedad civil…", (
        ActivityInfo(201, "Sesión de ensayo de presentaciones", D("2019-10-01")),
        ActivityInfo(202, "Sesión de capacitación y mesas de trabajo", D("2019-10-15")),
    ), (
        *(RequirementInfo(m, 201) for m in BASE),
        *(RequirementInfo(m, 202) for m in (*BASE, "Presentación de los ponentes", "Relatorías por mesa de trabajo",
                                            "Informe general de las mesas de trabajo")),
    )),
    MilestoneInfo(3, "Reunión con el Comité de seguimiento",
                  (ActivityInfo(301, "Reunión de seguimiento", D("2019-10-17")),),
                  tuple(RequirementInfo(m) for m in M3_MEANS)),
    MilestoneInfo(9, "Presentación del Programa 2020", (ActivityInfo(901, None, None),),
                  tuple(RequirementInfo(m) for m in ("Lista de asistencia", "Minuta", "Presentación del Programa 2020"))),
]


def test_jalisco_without_evidence():
    result = assess(JALISCO, [], D("2026-11-25"))
    assert [(m.number, m.status, m.due) for m in result.milestones] == [
        (2, "vencido", D("2019-10-15")), (3, "vencido", D("2019-10-17")), (9, "sin_fecha", None)]
    m2 = result.milestones[0]
    assert m2.required == (*BASE, "Presentación de los ponentes", "Relatorías por mesa de trabajo",
                           "Informe general de las mesas de trabajo")
    assert [len(a.required) for a in m2.activities] == [3, 6]
    assert result.percent == 0.0


def test_jalisco_milestone_3_complete():
    evidence = [ev(i, means, m=3, act=301 if i % 2 else None, created="2019-10-18") for i, means in enumerate(M3_MEANS)]
    result = assess(JALISCO, evidence, D("2026-11-25"))
    m3 = result.milestones[1]
    assert (m3.status, m3.percent, m3.missing) == ("completo", 100.0, ())
    assert all(cell(m3, means) == "pendiente_revision" for means in M3_MEANS)
    assert [m.status for m in result.milestones] == ["vencido", "completo", "sin_fecha"]
    assert result.percent == round(5 * 100 / 17, 1) == 29.4
    # On the deadline the evidence (created the next day) did not exist yet; afterwards it completes the milestone.
    assert assess(JALISCO, evidence, D("2019-10-17")).milestones[1].status == "proximo"
    assert assess(JALISCO, evidence, D("2019-10-20")).milestones[1].status == "completo"
    assert assess(JALISCO, [], D("2019-10-20")).milestones[1].status == "vencido"


# ------------------------------------------------------------------------------- per-session requirements

LIST, MINUTE, PLAN = "Lista de asistencia", "Minuta", "Plan anual de trabajo"
FIRST, SECOND = ActivityInfo(61, "Reunión con Subdvosc – SSAS", D("2019-11-04")), ActivityInfo(62, None, D("2019-11-25"))
# Milestone 6's shape: two sessions sharing one cell of means; session documents each, a product once.
SESSIONS = [MilestoneInfo(6, "Mesas de trabajo", (FIRST, SECOND), (
    RequirementInfo(LIST, scope="each_activity"), RequirementInfo(MINUTE, scope="each_activity"),
    RequirementInfo(PLAN, scope="milestone")))]


def sev(id: int, means: str, *, m: int = 6, act: int | None = None, created: str = "2019-11-01",
        reviews: tuple[tuple[str, str], ...] = ()) -> EvidenceInfo:
    return ev(id, means, m=m, act=act, created=created, reviews=reviews)


ALL_SESSIONS = [sev(1, LIST, act=61), sev(2, LIST, act=62), sev(3, MINUTE, act=61),
                sev(4, MINUTE, act=62), sev(5, PLAN)]


def gaps(result) -> list[tuple[str, int | None]]:
    return [(g.means, g.activity.id if g.activity else None) for g in result.missing_items]


@pytest.mark.parametrize("evidence, as_of, status, missing, missing_items", [
    pytest.param(ALL_SESSIONS, "2019-12-01", "completo", (), [], id="every-session-proven"),
    pytest.param(ALL_SESSIONS[1:], "2019-12-01", "vencido", (LIST,), [(LIST, 61)], id="list-for-one-session-only"),
    pytest.param([e for e in ALL_SESSIONS if e.id != 4] + [sev(9, MINUTE, act=61)], "2019-12-01", "vencido",
                 (MINUTE,), [(MINUTE, 62)], id="two-minutes-of-one-session-do-not-prove-the-other"),
    pytest.param([*ALL_SESSIONS[:4], sev(5, PLAN, act=62)], "2019-12-01", "completo", (), [],
                 id="milestone-scope-once-from-any-session"),
    pytest.param([*ALL_SESSIONS[:4], sev(5, PLAN), sev(6, PLAN)], "2019-12-01", "completo", (), [],
                 id="milestone-scope-once-without-session"),
    pytest.param([sev(1, LIST, act=61), sev(2, LIST, act=62, reviews=(("2019-11-30", "observada"),)),
                  *ALL_SESSIONS[2:]], "2019-12-01", "vencido", (LIST,), [(LIST, 62)],
                 id="observed-evidence-does-not-count"),
    pytest.param([sev(1, LIST, act=61), sev(2, LIST, act=62, reviews=(("2019-12-10", "observada"),)),
                  *ALL_SESSIONS[2:]], "2019-12-01", "completo", (), [], id="observed-later-still-counted-then"),
    pytest.param([*ALL_SESSIONS[:1], sev(2, LIST, act=62, created="2019-12-05"), *ALL_SESSIONS[2:]],
                 "2019-12-01", "vencido", (LIST,), [(LIST, 62)], id="as-of-before-the-second-list-existed"),
    pytest.param([*ALL_SESSIONS[:1], sev(2, LIST, act=62, created="2019-12-05"), *ALL_SESSIONS[2:]],
                 "2019-12-05", "completo", (), [], id="as-of-the-day-it-was-uploaded"),
    pytest.param([], "2019-11-09", "incompleto", (LIST, MINUTE, PLAN),
                 [(LIST, 61), (LIST, 62), (MINUTE, 61), (MINUTE, 62), (PLAN, None)], id="nothing-yet"),
    pytest.param([sev(1, LIST), sev(2, MINUTE), sev(3, PLAN)], "2019-11-12", "proximo",
                 (LIST, MINUTE), [(LIST, 61), (LIST, 62), (MINUTE, 61), (MINUTE, 62)],
                 id="evidence-naming-no-session-proves-no-session"),
    pytest.param([sev(1, LIST, m=7, act=61), sev(2, LIST, m=7, act=62), *ALL_SESSIONS[2:]], "2019-12-01", "vencido",
                 (LIST,), [(LIST, 61), (LIST, 62)], id="another-milestone"),
])
def test_per_session_requirements(evidence, as_of, status, missing, missing_items):
    result = one(SESSIONS, evidence, as_of)
    assert (result.status, result.missing, gaps(result)) == (status, missing, missing_items)
    assert result.required == (LIST, MINUTE, PLAN)
    assert result.percent == round((5 - len(missing_items)) * 100 / 5, 1)


def test_missing_items_name_the_session():
    result = one(SESSIONS, ALL_SESSIONS[1:], "2019-12-01")
    assert result.missing_items == (MissingItem(LIST, FIRST),)
    assert cell(result, LIST) == "faltante" and cell(result, MINUTE) == "pendiente_revision"
    assert result.evidence[LIST] == (2,)


def test_each_session_is_judged_on_its_own_share():
    """One session with a list, the other without: the second is incomplete and names what it lacks."""
    result = one(SESSIONS, [sev(1, LIST, act=61), sev(2, MINUTE, act=61), sev(3, PLAN)], "2019-11-03")
    first, second = result.activities
    assert (first.status, first.percent, first.required, first.missing) == ("completo", 100.0, (LIST, MINUTE), ())
    assert (second.status, second.percent, second.required, second.missing) == (
        "incompleto", 0.0, (LIST, MINUTE), (LIST, MINUTE))
    assert (first.due, second.due) == (D("2019-11-04"), D("2019-11-25"))
    assert (cell(first, LIST), cell(second, LIST), cell(second, PLAN)) == ("pendiente_revision", "faltante",
                                                                           "no_requerido")
    assert first.evidence == {LIST: (1,), MINUTE: (2,)}  # the milestone's product is not a session's
    # Each session keeps its own date: the first is overdue before the second is.
    later = one(SESSIONS, [sev(1, LIST, act=62)], "2019-11-10").activities
    assert [(a.status, a.missing) for a in later] == [("vencido", (LIST, MINUTE)), ("proximo", (MINUTE,))]


def test_evidence_naming_no_session_is_reported_as_unassigned():
    result = one(SESSIONS, [sev(1, LIST), sev(2, LIST, act=61), sev(3, PLAN),
                            sev(4, MINUTE, reviews=(("2019-11-02", "observada"),))], "2019-12-01")
    assert result.unassigned == {LIST: (1,), MINUTE: (4,)}  # PLAN is a product: its evidence needs no session
    assert result.evidence[LIST] == (2,) and result.evidence[PLAN] == (3,)
    assert one(SESSIONS, ALL_SESSIONS, "2019-12-01").unassigned == {}


def test_single_session_milestone_counts_evidence_naming_no_session():
    """With one session there is no doubt which session the evidence is about."""
    plan = [MilestoneInfo(3, "Reunión", (ActivityInfo(31, "Reunión de seguimiento", D("2019-10-17")),),
                          (RequirementInfo(LIST, scope="each_activity"), RequirementInfo(MINUTE, 31)))]
    result = one(plan, [sev(1, LIST, m=3), sev(2, MINUTE, m=3)], "2019-12-01")
    assert (result.status, result.missing, result.unassigned) == ("completo", (), {})
    assert result.activities[0].status == "completo" and result.activities[0].required == (LIST, MINUTE)


def test_each_activity_without_activities_is_required_once():
    plan = [MilestoneInfo(10, "Evaluación", (), (RequirementInfo(LIST, scope="each_activity"),))]
    assert gaps(one(plan, [], "2019-12-01")) == [(LIST, None)]
    assert one(plan, [sev(1, LIST, m=10)], "2019-12-01").status == "completo"


def test_own_and_per_session_requirements_of_one_means_count_once():
    plan = [MilestoneInfo(6, "Mesas", (FIRST, SECOND), (
        RequirementInfo(LIST, scope="each_activity"), RequirementInfo(LIST, 62), RequirementInfo(MINUTE, 61)))]
    result = one(plan, [sev(1, LIST, act=62)], "2019-11-10")
    assert gaps(result) == [(LIST, 61), (MINUTE, 61)] and result.percent == round(100 / 3, 1)
    assert [a.required for a in result.activities] == [(LIST, MINUTE), (LIST,)]


def test_scope_defaults_to_milestone_and_rejects_typos():
    assert RequirementInfo(LIST).scope == "milestone"
    assert one([ms(1, req(LIST), dates=("2026-01-01", "2026-02-01"))], [ev(1, LIST, act=10)], "2026-03-01").status \
        == "completo"  # one list for the whole milestone, as before scopes existed

    class Stored(str, Enum):
        per_session = "each_activity"

    assert RequirementInfo(LIST, scope=Stored.per_session).scope == "each_activity"  # type: ignore[arg-type]
    assert type(RequirementInfo(LIST, scope=Stored.per_session).scope) is str  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        RequirementInfo(LIST, scope="each")  # type: ignore[arg-type]
