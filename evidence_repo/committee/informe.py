"""The committee's "Informe de retroalimentación": its agreements and the citizens' published observations
as DOCX and PDF, laid out by the compliance report's renderers (`compliance/report.py`) so both documents look
and read alike.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from evidence_repo.committee.agreements import AgreementRow, agreements_of, counts, rows
from evidence_repo.compliance.export import MIMETYPES, Export
from evidence_repo.compliance.report import (
    Block,
    Heading,
    Note,
    Table,
    Text,
    format_date,
    render_docx,
    render_pdf,
    title_page,
)
from evidence_repo.compliance.status import AGREEMENT_LABELS
from evidence_repo.participation.models import RESPONDIDA
from evidence_repo.participation.operations import public_observations
from evidence_repo.plan.models import Commitment
from evidence_repo.policy import Person

FORMATS = ("docx", "pdf")


def citizen_observation_blocks(session: Session, commitment: Commitment, as_of: dt.date) -> list[Block]:
    """The citizens' observations published by ``as_of``, each with the official answer given by then (what the
    public pages show: never unmoderated or rejected ones, those on restricted evidence, nor any e-mail)."""
    notes: list[Block] = []
    for o in public_observations(session, commitment_id=commitment.id):
        if o.created_at.date() > as_of:
            continue
        who = o.name or _("Anónimo")
        about = (_("Meta %(n)s · evidencia #%(id)s", n=o.milestone.number, id=o.evidence_id) if o.evidence_id
                 else _("Meta %(n)s", n=o.milestone.number))
        body = o.text
        if o.status == RESPONDIDA and o.answer and o.answered_at and o.answered_at.date() <= as_of:
            body += "\n" + _("Respuesta oficial (%(date)s): %(answer)s", date=format_date(o.answered_at.date()),
                             answer=o.answer)
        else:
            body += "\n" + _("Sin respuesta todavía.")
        notes.append(Note(f"{about} · {format_date(o.created_at.date())} · {who}", body))
    return notes


def _agreement_table(found: Sequence[AgreementRow], number: int) -> Table:
    return Table(
        caption=_("Acuerdos de la meta %(n)s", n=number),
        headers=(_("Núm."), _("Acuerdo"), _("Institución responsable"), _("Fecha compromiso"), _("Estado")),
        widths=(12, 80, 40, 27, 20),
        rows=[(str(r.id), r.text, r.institution, format_date(r.due), r.label) for r in found],
    )


def _answer_note(row: AgreementRow) -> Note:
    header = _("Respuesta al acuerdo %(id)s · %(date)s", id=row.id, date=format_date(row.replied))
    body = row.reply or ""
    if row.evidence:
        body += "\n" + _("Evidencias: %(list)s", list="; ".join(f"#{e.id} {e.title}" for e in row.evidence))
    return Note(header, body)


def blocks(session: Session, commitment: Commitment, as_of: dt.date, reader: Person | None,
           generated_at: dt.datetime) -> list[Block]:
    found = rows(agreements_of(session, commitment), as_of, reader)
    report = {"title": _("Informe de retroalimentación"), "as_of": as_of.isoformat(),
              "generated_at": generated_at.isoformat(timespec="seconds")}
    out: list[Block] = [*title_page(commitment.title, report), Heading(1, _("Acuerdos del comité"))]
    if not found:
        out.append(Text(_("El comité no ha registrado acuerdos.")))
    else:
        tally = counts(found)
        out.append(Text(" · ".join(f"{AGREEMENT_LABELS[s]}: {n}" for s, n in tally.items())
                        + " " + _("(%(n)s en total)", n=len(found)), label=_("Acuerdos por estado")))
        milestones = {m.number: m for m in commitment.milestones}
        for number in dict.fromkeys(r.milestone for r in found):
            at_meeting = [r for r in found if r.milestone == number]
            objective = milestones[number].objective.splitlines()[0][:140]
            out.append(Heading(2, _("Meta %(n)s. %(objective)s", n=number, objective=objective)))
            out.append(_agreement_table(at_meeting, number))
            answered = [r for r in at_meeting if r.reply]
            if answered:
                out.append(Heading(3, _("Respuestas")))
                out.extend(_answer_note(r) for r in answered)
    out.append(Heading(1, _("Observaciones ciudadanas")))
    observations = citizen_observation_blocks(session, commitment, as_of)
    out.extend(observations or [Text(_("No hay observaciones ciudadanas publicadas."))])
    return out


def render(fmt: str, session: Session, commitment: Commitment, as_of: dt.date, reader: Person | None, *,
           generated_at: dt.datetime | None = None) -> Export:
    """The informe as DOCX or PDF; evidence named only if ``reader`` may see it. Raises ValueError for a bad fmt."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown informe format {fmt!r}; expected one of {', '.join(FORMATS)}")
    moment = generated_at or dt.datetime.now(dt.UTC)
    report: dict[str, Any] = {
        "title": _("Informe de retroalimentación"), "as_of": as_of.isoformat(),
        "generated_at": moment.isoformat(timespec="seconds"), "commitment": {"title": commitment.title},
        "blocks": blocks(session, commitment, as_of, reader, moment),
    }
    body = render_docx(report) if fmt == "docx" else render_pdf(report)
    return Export(body, MIMETYPES[fmt], f"informe-retroalimentacion-{commitment.slug}-{as_of.isoformat()}.{fmt}")
