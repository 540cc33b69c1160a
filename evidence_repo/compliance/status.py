"""Status names, their labels, and the small date rules behind them: the one home of each.

Plain functions and constants, runnable without a Flask request. Labels are lazy translations: they render in
the request's language on the web and in Spanish (the plan's language) anywhere else.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal, Protocol

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

Status = Literal["completo", "sin_fecha", "vencido", "proximo", "incompleto"]
CellState = Literal["cumplido", "pendiente_revision", "observado", "faltante", "no_requerido"]
ReviewState = Literal["validada", "observada", "pendiente"]
AgreementStatus = Literal["pendiente", "atendido", "vencido"]

# Most urgent first: the order of the dashboard's filter chips.
STATUSES: tuple[Status, ...] = ("vencido", "proximo", "incompleto", "sin_fecha", "completo")
REVIEW_STATES: tuple[ReviewState, ...] = ("validada", "observada", "pendiente")
DEFAULT_SOON_DAYS = 15

STATUS_LABELS: Mapping[str, LazyString] = {
    "completo": _l("Completo"),
    "incompleto": _l("Incompleto"),
    "vencido": _l("Vencido"),
    "sin_fecha": _l("Sin fecha"),
    "proximo": _l("Próximo a vencer"),
}
CELL_LABELS: Mapping[str, LazyString] = {
    "cumplido": _l("Cumplido"),
    "pendiente_revision": _l("En revisión"),
    "observado": _l("Observado"),
    "faltante": _l("Falta"),
    "no_requerido": _l("No requerido"),
}
REVIEW_LABELS: Mapping[str, LazyString] = {
    "validada": _l("Validada"),
    "observada": _l("Observada"),
    "pendiente": _l("En revisión"),
}
AGREEMENT_STATUSES: tuple[AgreementStatus, ...] = ("vencido", "pendiente", "atendido")
AGREEMENT_LABELS: Mapping[str, LazyString] = {
    "pendiente": _l("Pendiente"),
    "atendido": _l("Atendido"),
    "vencido": _l("Vencido"),
}
AGREEMENT_SYMBOLS: Mapping[str, str] = {"pendiente": "○", "atendido": "✓", "vencido": "✗"}
# A symbol per cell and per status so neither depends on colour alone (WCAG 1.4.1).
CELL_SYMBOLS: Mapping[str, str] = {
    "cumplido": "✓",
    "pendiente_revision": "…",
    "observado": "!",
    "faltante": "✗",
    "no_requerido": "—",
}
STATUS_SYMBOLS: Mapping[str, str] = {"completo": "✓", "incompleto": "○", "vencido": "✗", "sin_fecha": "?",
                                     "proximo": "!"}
STATUS_COLOURS: Mapping[str, str] = {"completo": "#1e6b35", "incompleto": "#5b6675", "vencido": "#a32020",
                                     "sin_fecha": "#8a5a00", "proximo": "#b5462f"}


# -------------------------------------------------------------------------------------------- moments

def as_utc(moment: datetime) -> datetime:
    """Naive datetimes are stored as UTC; normalise so aware and naive values compare."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utc_date(moment: datetime) -> date:
    return as_utc(moment).date()


# ------------------------------------------------------------------------------------------ review state

@dataclass(frozen=True)
class ReviewInfo:
    """One event in an evidence's review history: a committee decision, or a new file version ("pendiente")."""

    at: datetime
    state: ReviewState

    def __post_init__(self) -> None:
        # Enum members (whose names differ from their values) would break the state buckets: keep plain str.
        object.__setattr__(self, "state", getattr(self.state, "value", self.state))
        # A typo here would silently count observed evidence as satisfying; fail loudly instead.
        if self.state not in REVIEW_STATES:
            raise ValueError(f"estado de revisión inválido: {self.state!r}")


def review_history(decisions: Iterable[tuple[datetime, str]],
                   replacements: Iterable[datetime]) -> tuple[ReviewInfo, ...]:
    """Decisions (when, state) plus file replacements (when), oldest first: a new version resets the decision,
    so it counts as a "pendiente" event. On equal times a replacement comes after the decision it resets."""
    events = [ReviewInfo(at, state) for at, state in decisions]  # type: ignore[arg-type]
    events += [ReviewInfo(at, "pendiente") for at in replacements]
    return tuple(sorted(events, key=lambda e: as_utc(e.at)))


def review_state(history: Iterable[ReviewInfo], as_of: date | None = None) -> ReviewState:
    """The committee's latest decision known on ``as_of`` (None: now); later events must not rewrite history."""
    latest: ReviewInfo | None = None
    for event in history:
        if (as_of is None or utc_date(event.at) <= as_of) and (latest is None or as_utc(event.at) >= as_utc(latest.at)):
            latest = event
    return "pendiente" if latest is None else latest.state


# ---------------------------------------------------------------------------------------- dates, status

def due_date(activity_dates: Iterable[date | None]) -> date | None:
    """A milestone is due on its latest activity date; unknown while any activity is still "Por definir"."""
    dates = list(activity_dates)
    if not dates or any(d is None for d in dates):
        return None
    return max(d for d in dates if d is not None)


def status_for(complete: bool, due: date | None, as_of: date, soon_days: int = DEFAULT_SOON_DAYS) -> Status:
    """Completion wins over dates; otherwise urgency is graded by the deadline."""
    if complete:
        return "completo"
    if due is None:
        return "sin_fecha"
    days = (due - as_of).days
    if days < 0:
        return "vencido"
    return "proximo" if days <= soon_days else "incompleto"


def agreement_status(answered_on: date | None, due: date, as_of: date) -> AgreementStatus:
    """A committee agreement by the milestones' rule: answered (on or before ``as_of``) wins, like completion;
    otherwise it is overdue the day after its due date. "Próximo" is not a state of its own: still pendiente."""
    answered = answered_on is not None and answered_on <= as_of
    status = status_for(answered, due, as_of)
    if status == "completo":
        return "atendido"
    return "vencido" if status == "vencido" else "pendiente"


# ------------------------------------------------------------------------------------------- sessions

class SessionLike(Protocol):
    """An activity as the words below need it (engine ActivityInfo, plan Activity)."""

    @property
    def name(self) -> str | None: ...

    @property
    def date(self) -> date | None: ...


def session_label(activity: SessionLike) -> str:
    """How pages and reports name a session: its name, else "Sesión del 25/11/19" (the plan's dd/mm/yy)."""
    if activity.name:
        return activity.name
    if activity.date:
        return _("Sesión del %(d)s", d=activity.date.strftime("%d/%m/%y"))
    return _("Sesión por definir")


def missing_label(means: str, activity: SessionLike | None) -> str:
    """One missing item: "Lista de asistencia — Sesión del 25/11/19", or just the means when due once."""
    return means if activity is None else f"{means} — {session_label(activity)}"
