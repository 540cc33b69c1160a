"""The plan as plain JSON-ready dicts: the shape of /api/v1/plan."""
from __future__ import annotations

from typing import Any

from evidence_repo.plan.models import Activity, Commitment, Milestone, PlanChange, Requirement


def commitment_dict(c: Commitment) -> dict[str, Any]:
    return {
        "plan": c.plan.title,
        "plan_slug": c.plan.slug,
        "note": c.plan.note,  # the plan's note, e.g. "Sujeto a cambios"
        "jurisdiction": c.plan.jurisdiction,
        "slug": c.slug,
        "title": c.title,
        "branch": c.branch,
        "status": c.status,
        "theme": c.theme,
        "start_date": c.start_date.isoformat() if c.start_date else None,
        "end_date": c.end_date.isoformat() if c.end_date else None,
        "responsible_institution": c.responsible_institution,
        "responsible_person": {
            "name": c.responsible_name,
            "position": c.responsible_position,
            "area": c.responsible_area,
            "email": c.contact_email,
            "phone": c.contact_phone,
            "extension": c.contact_extension,
        },
        "government_bodies": list(c.government_bodies),
        "civil_society": list(c.civil_society),
        "problem": c.problem,
        "main_objective": c.main_objective,
        "short_description": c.short_description,
        "ogp_values": list(c.ogp_values),
        "anti_corruption_relevance": c.anti_corruption_relevance,
    }


def activity_dict(a: Activity, milestone: Milestone) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "date": a.date.isoformat() if a.date else None,
        "responsible": a.effective_responsible,
        "requirements": [r.means.name for r in milestone.requirements if r.activity_id == a.id],
    }


def milestone_dict(m: Milestone) -> dict[str, Any]:
    due = m.due_date
    return {
        "number": m.number,
        "objective": m.objective,
        "responsible": list(m.responsible),
        "due_date": due.isoformat() if due else None,
        "requirements": [r.means.name for r in m.own_requirements],
        "activities": [activity_dict(a, m) for a in m.activities],
    }


def plan_dict(c: Commitment) -> dict[str, Any]:
    return {"commitment": commitment_dict(c), "milestones": [milestone_dict(m) for m in c.milestones]}


def requirement_dict(r: Requirement) -> dict[str, Any]:
    return {"means": r.means.name, "scope": r.scope}


def scoped_activity_dict(a: Activity, milestone: Milestone) -> dict[str, Any]:
    """An activity as in :func:`activity_dict`, its requirements as ``{"means", "scope"}``."""
    return {**activity_dict(a, milestone),
            "requirements": [requirement_dict(r) for r in milestone.requirements if r.activity_id == a.id]}


def scoped_milestone_dict(m: Milestone) -> dict[str, Any]:
    """A milestone as in :func:`milestone_dict`, each requirement as ``{"means", "scope"}`` (scope: ``each_activity``
    or ``milestone``): the shape of ``/api/v1/commitments/<slug>/milestones/<n>``."""
    return {**milestone_dict(m),
            "requirements": [requirement_dict(r) for r in m.own_requirements],
            "activities": [scoped_activity_dict(a, m) for a in m.activities]}


def commitment_detail_dict(c: Commitment) -> dict[str, Any]:
    """The commitment's header fields and its milestones: ``/api/v1/commitments/<slug>``."""
    return {**commitment_dict(c), "plan_archived": c.plan.archived,
            "milestones": [scoped_milestone_dict(m) for m in c.milestones]}


def change_dict(change: PlanChange) -> dict[str, Any]:
    """One public plan change: when, what, before → after, the reason; never who."""
    return {
        "at": change.at.isoformat(),
        "kind": change.kind,
        "commitment": change.commitment_slug,
        "milestone": change.milestone_number,
        "summary": change.summary,
        "before": change.before,
        "after": change.after,
        "reason": change.reason,
    }
