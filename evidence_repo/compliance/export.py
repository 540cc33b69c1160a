"""The one compliance exporter: JSON, CSV, DOCX and PDF for the web, the API and the CLI.

`render(fmt, session, c, public=...)` returns the bytes with their mimetype and a file name. Whether restricted
evidence is named is the caller's decision (``public=True`` hides it as "restringida"); it still counts.
Words (status labels, report text) are in the current language: the request's on the web, Spanish elsewhere
unless the caller wraps the call in `flask_babel.force_locale`.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, get_args

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from evidence_repo.compliance.engine import ActivityAssessment, ActivityInfo, MilestoneAssessment, MissingItem, cell
from evidence_repo.compliance.load import load_commitment_by_id
from evidence_repo.compliance.report import render_docx, render_pdf
from evidence_repo.compliance.status import CELL_LABELS, STATUS_LABELS, session_label, utc_date
from evidence_repo.compliance.views import Compliance, missing_labels, missing_sessions
from evidence_repo.evidence.models import Evidence, EvidenceReview
from evidence_repo.plan.models import Plan

Format = Literal["json", "csv", "docx", "pdf"]
FORMATS: tuple[str, ...] = get_args(Format)
MIMETYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
CSV_HEADER = ["meta", "estado_meta", "fecha_limite", "medio_de_verificacion", "situacion", "evidencias", "observadas",
              "sesiones_faltantes", "plan", "compromiso"]  # the last two: slugs (open data across plans)


@dataclass(frozen=True)
class Export:
    body: bytes
    mimetype: str
    filename: str


def render(fmt: str, session: Session, c: Compliance, *, public: bool,
           generated_at: dt.datetime | None = None) -> Export:
    """One export of ``c`` as of its date; ``public`` hides restricted evidence. Raises ValueError for a bad fmt."""
    as_of = c.assessment.as_of.isoformat()
    if fmt == "json":
        body = (json.dumps(as_json(c, public=public), ensure_ascii=False, indent=2) + "\n").encode()
        return Export(body, MIMETYPES[fmt], f"cumplimiento-{as_of}.json")
    if fmt == "csv":
        return Export(csv_bytes(csv_rows(c, public=public)), MIMETYPES[fmt], f"cumplimiento-{as_of}.csv")
    if fmt in ("docx", "pdf"):
        data = report_data(session, c, public=public, generated_at=generated_at or dt.datetime.now(dt.UTC))
        body = render_docx(data) if fmt == "docx" else render_pdf(data)
        return Export(body, MIMETYPES[fmt], f"informe-cumplimiento-{as_of}.{fmt}")
    raise ValueError(f"unknown compliance export format {fmt!r}; expected one of {', '.join(FORMATS)}")


def render_plan(fmt: str, session: Session, plan: Plan, parts: list[Compliance], *, public: bool,
                generated_at: dt.datetime | None = None) -> Export:
    """A whole plan: ``parts`` is one compliance per commitment, all as of the same date. JSON: the plan with one
    entry per commitment; CSV: every commitment's rows under one header; DOCX/PDF: one section per commitment."""
    as_of = parts[0].assessment.as_of if parts else dt.date.today()
    name = f"{plan.slug}-{as_of.isoformat()}"
    if fmt == "json":
        data = {"as_of": as_of.isoformat(), "plan": plan.slug, "title": plan.title, "note": plan.note,
                "commitments": [as_json(c, public=public) for c in parts]}
        body = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()
        return Export(body, MIMETYPES[fmt], f"cumplimiento-{name}.json")
    if fmt == "csv":
        rows = [CSV_HEADER] + [row for c in parts for row in csv_rows(c, public=public)[1:]]
        return Export(csv_bytes(rows), MIMETYPES[fmt], f"cumplimiento-{name}.csv")
    if fmt in ("docx", "pdf"):
        moment = generated_at or dt.datetime.now(dt.UTC)
        report: dict[str, Any] = {
            "as_of": as_of.isoformat(), "generated_at": moment.isoformat(timespec="seconds"),
            "plan": {"title": plan.title, "jurisdiction": plan.jurisdiction, "note": plan.note},
            "commitment": {"title": plan.title},  # what the document's metadata and running header name
            "sections": [report_data(session, c, public=public, generated_at=moment) for c in parts],
        }
        body = render_docx(report) if fmt == "docx" else render_pdf(report)
        return Export(body, MIMETYPES[fmt], f"informe-cumplimiento-{name}.{fmt}")
    raise ValueError(f"unknown compliance export format {fmt!r}; expected one of {', '.join(FORMATS)}")


# A spreadsheet runs a cell that starts with one of these as a formula ("=HYPERLINK(...)" in a session's name).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """The cell as text, with a leading apostrophe when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_bytes(rows: Iterable[Iterable[object]]) -> bytes:
    """Every CSV the app hands out: UTF-8 with a BOM (so Excel reads accents), no cell read as a formula."""
    out = io.StringIO()
    csv.writer(out).writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode()


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def as_json(c: Compliance, *, public: bool) -> dict[str, Any]:
    """Open data: codes, not words, so it reads the same in every language."""

    def activity(a: ActivityAssessment) -> dict[str, Any]:
        return {"id": a.id, "status": a.status, "percent": a.percent, "due": _iso(a.due),
                "required": list(a.required), "missing": list(a.missing)}

    def session(a: ActivityInfo | None) -> dict[str, Any] | None:
        return None if a is None else {"id": a.id, "name": a.name, "date": _iso(a.date)}

    def missing_item(item: MissingItem) -> dict[str, Any]:
        return {"means": item.means, "activity": session(item.activity)}

    def milestone(m: MilestoneAssessment) -> dict[str, Any]:
        return {
            "number": m.number,
            "status": m.status,
            "percent": m.percent,
            "due": _iso(m.due),
            "required": list(m.required),
            "missing": list(m.missing),
            "missing_items": [missing_item(item) for item in m.missing_items],
            "evidence": {means: c.ids(found, public=public) for means, found in m.evidence.items()},
            "observed": {means: c.ids(found, public=public, verdict=True) for means, found in m.observed.items()
                         if found},
            "unassigned": {means: c.ids(found, public=public) for means, found in m.unassigned.items()},
            "activities": [activity(a) for a in m.activities],
        }

    return {"as_of": c.assessment.as_of.isoformat(), "plan": c.plan_slug, "commitment": c.commitment_slug,
            "percent": c.assessment.percent, "milestones": [milestone(m) for m in c.assessment.milestones]}


def csv_rows(c: Compliance, *, public: bool) -> list[list[str]]:
    """One row per milestone and required means; the header is a fixed set of column keys. Column 8 names
    the sessions still lacking that means ("; " between them) when the milestone has several; the last two are the
    plan and commitment slugs."""
    rows = [CSV_HEADER]
    slugs = [c.plan_slug, c.commitment_slug]
    for m in c.assessment.milestones:
        for means in m.required:
            rows.append([
                str(m.number), str(STATUS_LABELS[m.status]), _iso(m.due) or _("Por definir"), means,
                str(CELL_LABELS[cell(m, means)]),
                " ".join(str(i) for i in c.ids(m.evidence.get(means, ()), public=public)),
                " ".join(str(i) for i in c.ids(m.observed.get(means, ()), public=public, verdict=True)),
                "; ".join(session_label(a) for a in missing_sessions(m, means)),
                *slugs,
            ])
    return rows


def report_data(session: Session, c: Compliance, *, public: bool, generated_at: dt.datetime) -> dict[str, Any]:
    """The input of the DOCX/PDF renderers: what the JSON says, plus titles, hashes and observations."""
    commitment = load_commitment_by_id(session, c.commitment_id)
    if commitment is None:
        raise LookupError(f"commitment {c.commitment_id} no longer exists")
    as_of = c.assessment.as_of
    evidence = {
        e.id: e for e in session.scalars(
            select(Evidence).where(Evidence.milestone_id.in_([m.id for m in commitment.milestones]))
            .options(selectinload(Evidence.files), selectinload(Evidence.means),
                     selectinload(Evidence.reviews).selectinload(EvidenceReview.user))
        )
    }
    committee = _("Comité de seguimiento")
    objectives = {m.number: m for m in commitment.milestones}
    milestones = []
    for m in c.assessment.milestones:
        items, observations = [], []
        for means in m.required:
            for state, found in (("ok", m.evidence.get(means, ())), ("observada", m.observed.get(means, ()))):
                for i in found:
                    e = evidence[i]
                    hidden = public and not e.is_public
                    review = "observada" if state == "observada" else e.review_state_on(as_of)
                    items.append({"id": None if hidden else e.id, "title": None if hidden else e.title, "means": means,
                                  "date": _iso(e.session_date), "sha256": None if hidden else e.current.sha256,
                                  "review": review, "restricted": not e.is_public})
                    if not hidden:
                        observations += [{"evidence_id": e.id, "evidence_title": e.title,
                                          "by": (r.user.name if r.user else None) or committee,
                                          "at": utc_date(r.at).isoformat(), "comment": r.comment}
                                         for r in e.reviews if r.comment and utc_date(r.at) <= as_of]
        milestone = objectives[m.number]
        milestones.append({
            "number": m.number, "objective": milestone.objective, "status": m.status,
            "status_label": str(STATUS_LABELS[m.status]), "percent": m.percent, "due": _iso(m.due),
            "responsible": list(milestone.responsible), "required": list(m.required),
            "missing": missing_labels(m),
            "evidence": items, "observations": observations,
            "activities": [{"name": a.name, "date": _iso(a.due),
                            "status_label": (str(STATUS_LABELS[a.status]) if a.status is not None
                                             else _("Se evalúa con la meta")),
                            "missing": list(a.missing)} for a in m.activities],
        })
    return {
        "as_of": as_of.isoformat(),
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "percent": c.assessment.percent,
        "plan": {"title": commitment.plan.title, "jurisdiction": commitment.plan.jurisdiction},
        "commitment": {
            "title": commitment.title, "theme": commitment.theme,
            "start_date": _iso(commitment.start_date), "end_date": _iso(commitment.end_date),
            "responsible_institution": commitment.responsible_institution,
            "responsible_person": commitment.responsible_name, "main_objective": commitment.main_objective,
            "short_description": commitment.short_description,
        },
        "milestones": milestones,
    }
