"""Atom feed: newly published public evidence, committee decisions on it, milestone status changes, changes to
the plans ("Sujeto a cambios": what, before → after and the reason; never who), and citizens' published
observations with their official answers (never an e-mail, never one not accepted or on restricted evidence).

Titles and summaries are in the current language (the request's on the web, Spanish elsewhere).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from feedgen.feed import FeedGenerator
from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from evidence_repo.compliance.engine import assess
from evidence_repo.compliance.load import ComplianceInputs
from evidence_repo.compliance.status import STATUS_LABELS, utc_date
from evidence_repo.dates import current_locale
from evidence_repo.evidence.models import Evidence, EvidenceReview, PublicVersion, Visibility
from evidence_repo.evidence.operations import public_evidence_clause
from evidence_repo.participation.operations import public_observations
from evidence_repo.plan.changes import before_after_text
from evidence_repo.plan.operations import plan_changes

LIMIT = 50


@dataclass
class Entry:
    key: str
    at: dt.datetime
    title: str
    summary: str
    link: str


def status_changes(inputs: ComplianceInputs, today: dt.date, soon_days: int) -> list[tuple[dt.date, int, str, str]]:
    """(date, milestone, before, after) whenever a milestone's status changed, replaying the engine day by day
    only on the days something happened (evidence, a review, a deadline)."""
    days = {utc_date(e.created_at) for e in inputs.evidence}
    days |= {utc_date(r.at) for e in inputs.evidence for r in e.reviews}
    days |= {a.date + dt.timedelta(days=1) for m in inputs.milestones for a in m.activities if a.date}
    days |= {a.date - dt.timedelta(days=soon_days) for m in inputs.milestones for a in m.activities if a.date}
    changes: list[tuple[dt.date, int, str, str]] = []
    previous: dict[int, str] | None = None
    for day in sorted(d for d in days if d <= today)[-200:]:
        assessment = assess(inputs.milestones, inputs.evidence, day, soon_days=soon_days)
        statuses: dict[int, str] = {m.number: m.status for m in assessment.milestones}
        if previous is not None:
            changes += [(day, n, previous.get(n, ""), s) for n, s in statuses.items() if previous.get(n) != s]
        previous = statuses
    return changes[-LIMIT:]


def entries(session: Session, inputs: ComplianceInputs, base_url: str, today: dt.date, soon_days: int) -> list[Entry]:
    out: list[Entry] = []
    # New evidence: whatever the public may open (restricted evidence by its versión pública, dated when that version
    # made it public). Reviews judged the evidence's own files, which only public evidence shows: the evidence page
    # shows no review otherwise.
    first_public_version = (select(func.min(PublicVersion.uploaded_at))
                            .where(PublicVersion.evidence_id == Evidence.id).scalar_subquery())
    public_since = case((Evidence.visibility == Visibility.public.value, Evidence.created_at),
                        else_=first_public_version)
    for e, since in session.execute(
            select(Evidence, public_since).where(public_evidence_clause())
            .options(selectinload(Evidence.milestone), selectinload(Evidence.means))
            .order_by(public_since.desc(), Evidence.id.desc()).limit(LIMIT)):
        out.append(Entry(f"evidence-{e.id}", since, _("Nueva evidencia: %(title)s", title=e.title),
                         _("Meta %(n)s · %(means)s", n=e.milestone.number, means=e.means.name),
                         f"{base_url}evidencias/{e.id}"))
    reviews = session.execute(
        select(EvidenceReview, Evidence.title).join(Evidence, Evidence.id == EvidenceReview.evidence_id)
        .where(Evidence.visibility == Visibility.public.value, Evidence.withdrawn_at.is_(None))
        .order_by(EvidenceReview.at.desc()).limit(LIMIT)
    )
    for review, title in reviews:
        # Whole sentences per decision (the committee only validates or observes), so each language words them.
        if review.state == "observada":
            heading = _("Evidencia observada: %(title)s", title=title)
            summary = _("El comité marcó la evidencia #%(id)s como observada.", id=review.evidence_id)
        else:
            heading = _("Evidencia validada: %(title)s", title=title)
            summary = _("El comité marcó la evidencia #%(id)s como validada.", id=review.evidence_id)
        out.append(Entry(f"review-{review.id}", review.at, heading, review.comment or summary,
                         f"{base_url}evidencias/{review.evidence_id}"))
    for day, number, before, after in status_changes(inputs, today, soon_days):
        at = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        was, now = STATUS_LABELS.get(before, before), STATUS_LABELS[after]
        out.append(Entry(f"status-{number}-{day.isoformat()}-{after}", at,
                         _("Meta %(n)s: %(status)s", n=number, status=now),
                         _("La meta %(n)s pasó de «%(before)s» a «%(after)s» el %(day)s.", n=number, before=was,
                           after=now, day=day.isoformat()),
                         f"{base_url}metas/{number}"))
    for o in public_observations(session, commitment_id=inputs.commitment.id, newest_first=True, limit=LIMIT):
        link = f"{base_url}compromisos/{o.milestone.commitment.slug}/metas/{o.milestone.number}#observacion-{o.id}"
        out.append(Entry(f"observation-{o.id}", o.moderated_at or o.created_at,
                         _("Observación ciudadana sobre la meta %(n)s", n=o.milestone.number), o.text, link))
        if o.answered_at and o.answer:
            out.append(Entry(f"observation-{o.id}-answer", o.answered_at,
                             _("Respuesta oficial a una observación sobre la meta %(n)s", n=o.milestone.number),
                             o.answer, link))
    for change in plan_changes(session, limit=LIMIT):
        values = before_after_text(change)
        summary = _("%(values)s. Motivo: %(reason)s", values=values, reason=change.reason) if values \
            else _("Motivo: %(reason)s", reason=change.reason)
        link = (f"{base_url}compromisos/{change.commitment_slug}/cambios" if change.commitment_slug
                else base_url)
        out.append(Entry(f"plan-change-{change.id}", change.at,
                         _("Cambio al plan: %(summary)s", summary=change.summary), summary, link))
    out.sort(key=lambda e: e.at if e.at.tzinfo else e.at.replace(tzinfo=dt.UTC), reverse=True)
    return out[:LIMIT]


def atom(session: Session, inputs: ComplianceInputs, base_url: str, today: dt.date, soon_days: int) -> bytes:
    fg = FeedGenerator()
    fg.id(base_url + "feed.atom")
    fg.title(_("Evidencias: %(title)s", title=inputs.commitment.title)[:250])
    fg.subtitle(_("Nuevas evidencias públicas, cambios de estado de las metas y cambios al plan"))
    fg.link(href=base_url, rel="alternate")
    fg.link(href=base_url + "feed.atom", rel="self")
    fg.language(current_locale().replace("_", "-"))
    items = entries(session, inputs, base_url, today, soon_days)
    fg.updated(items[0].at if items else dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    for item in reversed(items):
        fe = fg.add_entry()
        fe.id(f"{base_url}#{item.key}")
        fe.title(item.title)
        fe.summary(item.summary)
        fe.link(href=item.link)
        fe.updated(item.at if item.at.tzinfo else item.at.replace(tzinfo=dt.UTC))
    return fg.atom_str(pretty=True)
