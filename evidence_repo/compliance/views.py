"""Compliance as the public and the committee see it: JSON, CSV rows, report data and the timeline chart.

Restricted evidence counts toward compliance, but the public sees it only as "restringida" (no id, no title).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from evidence_repo.compliance.engine import (
    CELL_LABELS,
    CELL_SYMBOLS,
    STATUS_LABELS,
    CommitmentAssessment,
    MilestoneAssessment,
    assess,
    cell,
)
from evidence_repo.compliance.load import ComplianceInputs, load_inputs
from evidence_repo.dates import parse_typed_date
from evidence_repo.evidence.models import Evidence, EvidenceReview

RESTRICTED = "restringida"
STATUSES = ("vencido", "proximo", "incompleto", "sin_fecha", "completo")


@dataclass
class Compliance:
    inputs: ComplianceInputs
    assessment: CommitmentAssessment
    visibility: dict[int, str]

    def milestone(self, number: int) -> MilestoneAssessment | None:
        return next((m for m in self.assessment.milestones if m.number == number), None)

    def public_ids(self, ids) -> list[int | str]:
        return [i if self.visibility.get(i) == "public" else RESTRICTED for i in ids]

    @property
    def means_columns(self) -> list[str]:
        """Every means some milestone requires, in the order the plan first asks for them."""
        return list(dict.fromkeys(name for m in self.assessment.milestones for name in m.required))


def compute(session: Session, as_of: dt.date, soon_days: int = 15, commitment=None) -> Compliance | None:
    """commitment: pass it when the caller already loaded the plan, to save its queries."""
    inputs = load_inputs(session, commitment)
    if inputs is None:
        return None
    assessment = assess(inputs.milestones, inputs.evidence, as_of, soon_days=soon_days)
    return Compliance(inputs, assessment, {e.id: e.visibility for e in inputs.evidence})


def as_json(c: Compliance, *, public: bool) -> dict[str, Any]:
    ids = c.public_ids if public else list

    def evidence_map(m) -> dict[str, list]:
        return {means: ids(found) for means, found in m.evidence.items()}

    return {
        "as_of": c.assessment.as_of.isoformat(),
        "percent": c.assessment.percent,
        "milestones": [
            {
                "number": m.number,
                "status": m.status,
                "percent": m.percent,
                "due": m.due.isoformat() if m.due else None,
                "required": list(m.required),
                "missing": list(m.missing),
                "evidence": evidence_map(m),
                "observed": {means: ids(found) for means, found in m.observed.items() if found},
                "activities": [
                    {"id": a.id, "status": a.status, "percent": a.percent, "due": a.due.isoformat() if a.due else None,
                     "required": list(a.required), "missing": list(a.missing)}
                    for a in m.activities
                ],
            }
            for m in c.assessment.milestones
        ],
    }


CSV_HEADER = ["meta", "estado_meta", "fecha_limite", "medio_de_verificacion", "situacion", "evidencias", "observadas"]


def csv_rows(c: Compliance, *, public: bool) -> list[list[str]]:
    """One row per milestone and required means."""
    ids = c.public_ids if public else list
    rows = [CSV_HEADER]
    for m in c.assessment.milestones:
        for means in m.required:
            state = cell(m, means)
            rows.append([
                str(m.number), STATUS_LABELS[m.status], m.due.isoformat() if m.due else "Por definir", means,
                CELL_LABELS[state], " ".join(str(i) for i in ids(m.evidence.get(means, ()))),
                " ".join(str(i) for i in ids(m.observed.get(means, ()))),
            ])
    return rows


def matrix(c: Compliance, statuses: set[str] | None = None) -> list[dict[str, Any]]:
    columns = c.means_columns
    rows = []
    for m in c.assessment.milestones:
        if statuses and m.status not in statuses:
            continue
        cells = []
        for means in columns:
            state = cell(m, means)
            cells.append({"means": means, "state": state, "label": CELL_LABELS[state], "symbol": CELL_SYMBOLS[state],
                          "evidence": list(m.evidence.get(means, ())) + list(m.observed.get(means, ()))})
        rows.append({"milestone": m, "cells": cells})
    return rows


def report_data(session: Session, c: Compliance, *, public: bool, generated_at: dt.datetime) -> dict[str, Any]:
    """The input of the DOCX/PDF renderers: what the JSON says, plus titles, hashes and observations."""
    commitment = c.inputs.commitment
    evidence = {
        e.id: e for e in session.scalars(
            select(Evidence).options(selectinload(Evidence.files), selectinload(Evidence.means),
                                     selectinload(Evidence.reviews).selectinload(EvidenceReview.user))
        )
    }
    objectives = {m.number: m for m in commitment.milestones}
    milestones = []
    for m in c.assessment.milestones:
        items, observations = [], []
        for means in m.required:
            for state, found in (("ok", m.evidence.get(means, ())), ("observada", m.observed.get(means, ()))):
                for i in found:
                    e = evidence[i]
                    hidden = public and not e.is_public
                    review = "observada" if state == "observada" else _review_as_of(e, c.assessment.as_of)
                    items.append({"id": None if hidden else e.id, "title": None if hidden else e.title, "means": means,
                                  "date": e.session_date.isoformat() if e.session_date else None,
                                  "sha256": None if hidden else e.current.sha256, "review": review,
                                  "restricted": not e.is_public})
                    if not hidden:
                        for r in e.reviews:
                            if r.comment and r.at.date() <= c.assessment.as_of:
                                observations.append({"evidence_id": e.id, "evidence_title": e.title,
                                                     "by": (r.user.name or "Comité de seguimiento") if r.user else
                                                     "Comité de seguimiento",
                                                     "at": r.at.date().isoformat(), "comment": r.comment})
        milestone = objectives[m.number]
        milestones.append({
            "number": m.number, "objective": milestone.objective, "status": m.status,
            "status_label": STATUS_LABELS[m.status], "percent": m.percent, "due": m.due.isoformat() if m.due else None,
            "responsible": list(milestone.responsible), "required": list(m.required), "missing": list(m.missing),
            "evidence": items, "observations": observations,
            "activities": [{"name": a.name, "date": a.due.isoformat() if a.due else None,
                            "status_label": STATUS_LABELS[a.status] if a.required else "Se evalúa con la meta",
                            "missing": list(a.missing)} for a in m.activities],
        })
    return {
        "as_of": c.assessment.as_of.isoformat(),
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "percent": c.assessment.percent,
        "plan": {"title": commitment.plan.title, "jurisdiction": commitment.plan.jurisdiction},
        "commitment": {
            "title": commitment.title, "theme": commitment.theme,
            "start_date": commitment.start_date.isoformat() if commitment.start_date else None,
            "end_date": commitment.end_date.isoformat() if commitment.end_date else None,
            "responsible_institution": commitment.responsible_institution,
            "responsible_person": commitment.responsible_name, "main_objective": commitment.main_objective,
            "short_description": commitment.short_description,
        },
        "milestones": milestones,
    }


def _review_as_of(e: Evidence, as_of: dt.date) -> str:
    state = "pendiente"
    for r in e.reviews:
        if r.at.date() <= as_of:
            state = r.state if r.file_version == e.current.version else "pendiente"
    return state


STATUS_COLOURS = {"completo": "#1e6b35", "incompleto": "#5b6675", "vencido": "#a32020", "sin_fecha": "#8a5a00",
                  "proximo": "#b5462f"}
STATUS_SHAPES = {"completo": "✓", "incompleto": "○", "vencido": "✗", "sin_fecha": "?", "proximo": "!"}


def timeline_svg(c: Compliance, *, width: int = 960, row: int = 26) -> str:
    """Milestones on a date axis, each with its status as colour, symbol and words; a line marks the as-of date."""
    as_of = c.assessment.as_of
    commitment = c.inputs.commitment
    dated = [m for m in c.assessment.milestones if m.due]
    undated = [m for m in c.assessment.milestones if not m.due]
    points = [m.due for m in dated] + [d for d in (commitment.start_date, commitment.end_date) if d]
    start = min(points, default=as_of)
    end = max(points, default=as_of)
    if as_of <= end + dt.timedelta(days=120):
        end = max(end, as_of)
    span = max((end - start).days, 1)
    left, right, top = 90, 150, 34
    plot = width - left - right
    height = top + row * (len(c.assessment.milestones) + 1) + 10

    def x(day: dt.date) -> float:
        return left + plot * min(max((day - start).days, 0), span) / span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="timeline-title timeline-desc" class="timeline" font-family="sans-serif" font-size="12">',
        '<title id="timeline-title">Línea de tiempo de las metas</title>',
        f'<desc id="timeline-desc">Fecha límite y estado de cada meta; la línea vertical marca el '
        f'{escape(as_of.isoformat())}.</desc>',
        f'<line x1="{left}" y1="{top - 8}" x2="{left + plot}" y2="{top - 8}" stroke="#aab4c0"/>',
    ]
    month = dt.date(start.year, start.month, 1)
    while month <= end:
        if month >= start:
            parts.append(f'<line x1="{x(month):.1f}" y1="{top - 12}" x2="{x(month):.1f}" y2="{height - 6}" '
                         f'stroke="#e3e8ee"/>')
            parts.append(f'<text x="{x(month) + 2:.1f}" y="{top - 14}" fill="#5b6675">{month:%m/%Y}</text>')
        month = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    for i, m in enumerate(c.assessment.milestones):
        y = top + row * i + row / 2
        colour, shape, label = STATUS_COLOURS[m.status], STATUS_SHAPES[m.status], STATUS_LABELS[m.status]
        parts.append(f'<text x="8" y="{y + 4:.1f}" fill="#1c2430">Meta {m.number}</text>')
        if m.due:
            parts.append(f'<circle cx="{x(m.due):.1f}" cy="{y:.1f}" r="8" fill="{colour}"><title>Meta {m.number}: '
                         f'{label}, fecha límite {m.due.isoformat()}</title></circle>')
            parts.append(f'<text x="{x(m.due):.1f}" y="{y + 4:.1f}" fill="#fff" text-anchor="middle" '
                         f'font-weight="bold">{shape}</text>')
            parts.append(f'<text x="{x(m.due) + 12:.1f}" y="{y + 4:.1f}" fill="{colour}">{escape(label)} '
                         f'· {m.percent:g} %</text>')
        else:
            parts.append(f'<text x="{left + plot + 10}" y="{y + 4:.1f}" fill="{colour}">{shape} {escape(label)} '
                         f'· {m.percent:g} %</text>')
    ax = x(as_of)
    beyond = " →" if as_of > end else (" ←" if as_of < start else "")
    parts.append(f'<line x1="{ax:.1f}" y1="{top - 12}" x2="{ax:.1f}" y2="{height - 6}" stroke="#0b5563" '
                 f'stroke-width="2" stroke-dasharray="5 3"/>')
    parts.append(f'<text x="{ax - 4:.1f}" y="{height - 8}" fill="#0b5563" text-anchor="end" font-weight="bold">'
                 f'{"Hoy" if as_of == dt.date.today() else "Al"} {as_of:%d/%m/%Y}{beyond}</text>')
    if undated:
        parts.append(f'<text x="{left + plot + 10}" y="{top - 14}" fill="#5b6675">Sin fecha</text>')
    parts.append("</svg>")
    return "".join(parts)


def parse_as_of(raw: str | None, today: dt.date) -> dt.date:
    """?as_of= in any format people type; empty means today. Raises ValueError with a Spanish message."""
    return parse_typed_date(raw) or today
