"""Contract: documents of several plans and commitments (facets, filters, hits).

Milestone numbers repeat across commitments, so a milestone is only one
milestone together with its commitment; documents without a plan (CORPUS,
as written by callers from before plans) keep working beside them.
"""

from __future__ import annotations

import pytest

from indexer import FACETS
from tests.indexer.corpus import (
    COMMITMENTS,
    CORPUS,
    PLANS,
    PROGRAMME_PUBLIC_IDS,
    PROGRAMMES,
    PUBLIC,
    PUBLIC_IDS,
    STAFF,
    all_ids,
    ids,
)

EVERYTHING = CORPUS + PROGRAMMES
EVERY_PUBLIC_ID = PUBLIC_IDS | PROGRAMME_PUBLIC_IDS


@pytest.fixture(scope="module")
def plans(backend_factory, tmp_path_factory):
    """A backend holding CORPUS (no plans) and PROGRAMMES, shared read-only."""
    index = backend_factory.open(tmp_path_factory.mktemp(backend_factory.name) / "index")
    index.rebuild(EVERYTHING)
    yield index
    index.close()


def _visible(doc, visibility):
    return doc.get("visibility", "restricted") in ({visibility} if isinstance(visibility, str) else visibility)


def _matching(filters, visibility=PUBLIC):
    def keep(doc):
        for key, value in filters.items():
            if doc.get(key) not in {str(v) for v in (value if isinstance(value, list) else [value])}:
                return False
        return _visible(doc, visibility)

    return {d["id"] for d in EVERYTHING if keep(d)}


def _counts(key, visibility=PUBLIC, **filters):
    counts: dict[str, int] = {}
    for d in EVERYTHING:
        if d["id"] in _matching(filters, visibility) and d.get(key):
            counts[d[key]] = counts.get(d[key], 0) + 1
    return counts


def test_plan_and_commitment_are_facets(plans):
    assert FACETS[:3] == ("plan", "commitment", "milestone")
    results = plans.search("", visibility=PUBLIC, per_page=100)
    assert tuple(results.facets) == FACETS
    assert results.total == len(EVERY_PUBLIC_ID)  # documents without a plan are still listed
    assert results.facets["plan"] == _counts("plan") == {"plan-jalisco-2019": 6, "plan-cdmx-2021": 5}
    assert results.facets["commitment"] == _counts("commitment") == {
        "apoyo-osc": 4, "presupuesto-abierto": 4, "datos-salud": 2,
    }
    assert list(results.facets["commitment"]) == ["apoyo-osc", "presupuesto-abierto", "datos-salud"]


@pytest.mark.parametrize(
    "filters",
    [
        {"plan": "plan-jalisco-2019"},
        {"plan": "plan-cdmx-2021"},
        {"plan": ["plan-jalisco-2019", "plan-cdmx-2021"]},
        {"commitment": "apoyo-osc"},
        {"commitment": ["datos-salud", "presupuesto-abierto"]},
        {"commitment": "apoyo-osc", "milestone": "3"},
        {"commitment": "presupuesto-abierto", "milestone": "3"},
        {"commitment": "datos-salud", "milestone": "2"},
        {"plan": "plan-cdmx-2021", "milestone": "1"},
        {"plan": "plan-jalisco-2019", "commitment": "presupuesto-abierto"},
        {"commitment": "apoyo-osc", "means": "Lista de asistencia"},
        {"plan": "plan-sin-evidencia"},
    ],
)
@pytest.mark.parametrize("visibility", [PUBLIC, STAFF], ids=["public", "staff"])
def test_filters_by_plan_and_commitment(plans, filters, visibility):
    expected = _matching(filters, visibility)
    results = plans.search("", visibility=visibility, filters=filters, per_page=100)
    assert ids(results) == expected
    assert results.total == len(expected)
    for key in ("plan", "commitment", "milestone"):
        assert results.facets[key] == _counts(key, visibility, **filters), key


def test_a_milestone_is_one_commitment_s_milestone(plans):
    # Milestone 3 alone: every commitment's, and the documents without a plan.
    everywhere = all_ids(plans, "", filters={"milestone": "3"})
    assert {"p04", "p07", "p11", "p12", "d10"} <= everywhere
    assert all_ids(plans, "", filters={"commitment": "apoyo-osc", "milestone": "3"}) == {"p04"}
    assert all_ids(plans, "", filters={"commitment": "apoyo-osc", "milestone": 3}, visibility=STAFF) == {
        "p04", "p05",
    }
    assert all_ids(plans, "", filters={"commitment": "presupuesto-abierto", "milestone": "3"}) == {"p11", "p12"}
    # Within one commitment, the milestone facet counts that commitment's milestones.
    within = plans.search("", visibility=PUBLIC, filters={"commitment": "apoyo-osc"})
    assert within.facets["milestone"] == {"1": 2, "2": 1, "3": 1}
    assert within.facets["commitment"] == {"apoyo-osc": 4}
    assert within.facets["plan"] == {"plan-jalisco-2019": 4}


def test_a_query_within_a_commitment(plans):
    assert all_ids(plans, "minuta", filters={"commitment": "presupuesto-abierto"}) == {"p10"}
    assert all_ids(plans, "foro", filters={"plan": "plan-jalisco-2019"}) == {"p04"}
    results = plans.search("convocatoria", visibility=PUBLIC)
    assert results.facets["plan"] == {"plan-cdmx-2021": 1, "plan-jalisco-2019": 1}
    assert results.facets["commitment"] == {"apoyo-osc": 1, "presupuesto-abierto": 1}


def test_restricted_documents_never_count_for_the_public(plans):
    public = plans.search("", visibility=PUBLIC, filters={"commitment": "presupuesto-abierto"})
    assert public.facets["milestone"] == {"3": 2, "1": 1, "2": 1}  # milestone 4 only has restricted evidence
    assert public.facets["commitment"] == {"presupuesto-abierto": 4}
    staff = plans.search("", visibility=STAFF, filters={"commitment": "presupuesto-abierto"})
    assert staff.facets["milestone"] == {"3": 2, "1": 1, "2": 1, "4": 1}
    assert staff.facets["commitment"] == {"presupuesto-abierto": 5}
    assert plans.search("", visibility=STAFF).facets["plan"] == _counts("plan", STAFF) == {
        "plan-jalisco-2019": 8, "plan-cdmx-2021": 6,
    }
    assert all_ids(plans, "", filters={"commitment": "presupuesto-abierto", "milestone": "4"}) == set()
    # A word only a restricted document holds: nothing at all for the public.
    secret = plans.search("tlacuache", visibility=PUBLIC)
    assert secret.total == 0 and all(f == {} for f in secret.facets.values())
    staff_secret = plans.search("tlacuache", visibility=STAFF)
    assert ids(staff_secret) == {"p05"}
    assert staff_secret.facets["commitment"] == {"apoyo-osc": 1}
    assert staff_secret.facets["plan"] == {"plan-jalisco-2019": 1}


def test_hits_carry_plan_and_commitment(plans):
    hit = next(h for h in plans.search("foro organizaciones", visibility=PUBLIC).hits if h.id == "p04")
    assert (hit.plan, hit.plan_title) == ("plan-jalisco-2019", PLANS["plan-jalisco-2019"])
    assert (hit.commitment, hit.commitment_title) == ("apoyo-osc", COMMITMENTS["apoyo-osc"][1])
    assert hit.milestone == "3"
    plan_only = next(h for h in plans.search("autoevaluacion", visibility=PUBLIC).hits if h.id == "p14")
    assert (plan_only.plan, plan_only.plan_title) == ("plan-cdmx-2021", PLANS["plan-cdmx-2021"])
    assert (plan_only.commitment, plan_only.commitment_title) == (None, None)
    old = next(h for h in plans.search("padron", visibility=PUBLIC).hits if h.id == "d20")
    assert (old.plan, old.plan_title, old.commitment, old.commitment_title) == (None, None, None, None)
    for hit in plans.similar("p11", visibility=PUBLIC, limit=10):
        source = next(d for d in EVERYTHING if d["id"] == hit.id)
        assert (hit.plan, hit.commitment) == (source.get("plan"), source.get("commitment"))


def test_the_commitment_title_is_searched(plans):
    # "medicamentos" is only in the title of the commitment "datos-salud".
    assert all_ids(plans, "medicamento") == {"p06", "p07"}
    assert all_ids(plans, "medicamentos", visibility=STAFF) == {"p06", "p07", "p08"}
    assert all_ids(plans, "medicamento", filters={"milestone": "3"}) == {"p07"}


def test_documents_without_a_plan_still_index_and_search(backend):
    assert backend.add([
        {"id": "old", "title": "Minuta antigua", "milestone": "2", "visibility": "public"},
        {"id": "empty", "title": "Minuta vacía", "milestone": "2", "plan": "", "plan_title": "",
         "commitment": "", "commitment_title": "", "visibility": "public"},
        {"id": "none", "title": "Minuta nula", "milestone": "2", "plan": None, "plan_title": None,
         "commitment": None, "commitment_title": None, "visibility": "public"},
        {"id": "new", "title": "Minuta nueva", "milestone": "2", "plan": "plan-a", "plan_title": "Plan A",
         "commitment": "c-1", "commitment_title": "Compromiso uno", "visibility": "public"},
    ]) == 4
    results = backend.search("minuta", visibility=PUBLIC)
    assert ids(results) == {"old", "empty", "none", "new"}
    assert results.facets["plan"] == {"plan-a": 1}
    assert results.facets["commitment"] == {"c-1": 1}
    assert results.facets["milestone"] == {"2": 4}
    for hit in results.hits:
        expected = ("plan-a", "Plan A", "c-1", "Compromiso uno") if hit.id == "new" else (None,) * 4
        assert (hit.plan, hit.plan_title, hit.commitment, hit.commitment_title) == expected, hit.id
    assert all_ids(backend, "", filters={"plan": "plan-a"}) == {"new"}
    assert all_ids(backend, "", filters={"commitment": ""}) == {"old", "empty", "none", "new"}  # no filter
    assert all_ids(backend, "compromiso") == {"new"}


def test_moving_a_document_to_another_commitment(backend):
    doc = dict(PROGRAMMES[0])
    backend.add([doc])
    backend.add([dict(doc, plan="plan-cdmx-2021", plan_title=PLANS["plan-cdmx-2021"],
                      commitment="presupuesto-abierto", commitment_title=COMMITMENTS["presupuesto-abierto"][1])])
    results = backend.search("", visibility=PUBLIC)
    assert results.facets["plan"] == {"plan-cdmx-2021": 1}
    assert results.facets["commitment"] == {"presupuesto-abierto": 1}
    assert all_ids(backend, "", filters={"commitment": "apoyo-osc"}) == set()
    assert results.hits[0].commitment_title == COMMITMENTS["presupuesto-abierto"][1]
