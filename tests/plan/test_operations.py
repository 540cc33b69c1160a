"""Read helpers others build pages on: every plan, commitment and change, each in a fixed number of queries."""
from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from evidence_repo.plan.document import parse_plan
from evidence_repo.plan.importing import import_plan
from evidence_repo.plan.models import Plan
from evidence_repo.plan.operations import (
    list_commitments,
    list_plans,
    load_commitment,
    load_milestone,
    load_plan,
    plan_changes,
    set_archived,
)
from evidence_repo.services import services
from tests.helpers import count_queries

SECOND = {
    "plan": {"slug": "segundo", "title": "Segundo plan"},
    "commitments": [
        {"slug": f"segundo-{i}", "title": f"Compromiso {i}",
         "milestones": [{"number": n, "objective": f"Meta {n}", "requirements": ["Minuta", "Informe final"],
                         "activities": [{"name": f"Sesión {n}.{k}", "requirements": ["Convocatoria"]}
                                        for k in range(3)]} for n in range(1, 6)]}
        for i in range(1, 4)
    ],
}


@pytest.fixture
def two_plans(session):
    import_plan(session, parse_plan(copy.deepcopy(SECOND)))
    session.commit()
    session.expire_all()


def test_list_plans_and_commitments(session, two_plans):
    assert [p.slug for p in list_plans(session)] == ["plan-accion-local-jalisco-2019", "segundo"]
    assert [c.slug for c in list_plans(session)[1].commitments] == ["segundo-1", "segundo-2", "segundo-3"]
    assert [c.slug for c in list_commitments(session)] == [
        "jalisco-apoyo-organizaciones-sociedad-civil", "segundo-1", "segundo-2", "segundo-3"]
    set_archived(session, "segundo", True)
    assert [p.slug for p in list_plans(session)] == ["plan-accion-local-jalisco-2019"]
    assert len(list_commitments(session)) == 4
    assert [c.slug for c in list_commitments(session, include_archived=False)] == [
        "jalisco-apoyo-organizaciones-sociedad-civil"]


def test_load_commitment_by_slug_or_the_default(session, two_plans):
    assert load_commitment(session).slug == "jalisco-apoyo-organizaciones-sociedad-civil"
    c = load_commitment(session, "segundo-2")
    assert c.plan.slug == "segundo" and [m.number for m in c.milestones] == [1, 2, 3, 4, 5]
    assert load_commitment(session, "no-existe") is None
    assert load_plan(session, "segundo").commitments[2].milestones[4].activities[2].name == "Sesión 5.2"
    assert load_plan(session, "no-existe") is None


def test_load_milestone_is_the_default_commitment_s_unless_told(session, two_plans):
    jalisco = load_milestone(session, 3)
    assert jalisco.objective == "Reunión con el Comité de seguimiento"
    other = load_commitment(session, "segundo-3")
    assert load_milestone(session, 3, other.id).objective == "Meta 3"
    assert load_milestone(session, 11, other.id) is None


def test_plan_changes_newest_first_by_commitment_or_plan(session, two_plans):
    plan = session.scalar(select(Plan).where(Plan.slug == "segundo"))
    c2 = load_commitment(session, "segundo-2")
    changes = plan_changes(session, plan_id=plan.id)
    assert {c.kind for c in changes} == {"plan.imported", "plan.created", "commitment.added"}
    assert [c.commitment_slug for c in plan_changes(session, commitment_id=c2.id)] == ["segundo-2"]
    set_archived(session, "segundo", True, "Programa concluido")
    session.commit()
    newest = plan_changes(session, plan_id=plan.id, limit=1)
    assert [(c.kind, c.reason, c.plan.slug) for c in newest] == [("plan.archived", "Programa concluido", "segundo")]
    everything = plan_changes(session, limit=None)
    assert {c.plan.slug for c in everything} == {"plan-accion-local-jalisco-2019", "segundo"}
    assert [c.id for c in everything] == sorted((c.id for c in everything), reverse=True)


def walk_plan(plan):
    return [(c.slug, m.number, a.name, r.means.name, r.scope) for c in plan.commitments for m in c.milestones
            for a in m.activities for r in m.requirements]


def walk_commitment(c):
    return [(c.plan.slug, m.number, a.name, r.means.name, r.scope) for m in c.milestones for a in m.activities
            for r in m.requirements]


@pytest.mark.parametrize("call, walk, limit", [
    (lambda s: list_plans(s, include_archived=True), lambda ps: [c.slug for p in ps for c in p.commitments], 2),
    (lambda s: load_plan(s, "segundo"), walk_plan, 5),
    (lambda s: load_commitment(s, "segundo-1"), walk_commitment, 4),
    (lambda s: load_commitment(s), walk_commitment, 4),
    (lambda s: list_commitments(s), lambda cs: [(c.plan.slug, m.number) for c in cs for m in c.milestones], 2),
    (lambda s: load_milestone(s, 3), lambda m: [(m.commitment.slug, a.name, r.means.name) for a in m.activities
                                                for r in m.requirements], 4),
    (lambda s: plan_changes(s), lambda cs: [c.plan.slug for c in cs], 1),
])
def test_each_helper_loads_in_a_fixed_number_of_queries(app, session, two_plans, call, walk, limit):
    """Everything a page shows of the result is loaded with it: walking it runs no further query."""
    with count_queries(services(app).engine) as statements:
        assert walk(call(session))
    assert len(statements) <= limit, statements


def test_commitment_changes_are_its_own_and_its_plan_wide_ones_newest_first(app, session, tmp_path):
    from evidence_repo.plan.changes import Change, record_changes
    from evidence_repo.plan.operations import commitment_changes, load_commitment
    from tests.helpers import import_plan

    import_plan(app, tmp_path)
    becas = load_commitment(session, "becas-padron-abierto")
    jalisco = load_commitment(session)
    record_changes(session, jalisco.plan, [Change("activity.added", "Meta 1: actividad agregada",
                                                  jalisco.slug, 1, after={"name": "Otra"})], "Motivo")
    session.flush()
    mine = commitment_changes(session, jalisco)
    assert mine[0].kind == "activity.added" and mine[0].reason == "Motivo"
    assert all(c.plan_id == jalisco.plan_id for c in mine)
    others = commitment_changes(session, becas)
    assert others and all(c.commitment_slug in (None, becas.slug) for c in others)
    assert "plan.imported" in {c.kind for c in others}
