"""The plan file format: one plan with commitments; requirements with a scope; problems named by their place."""
from __future__ import annotations

import pytest
import yaml

from evidence_repo.plan.document import PlanFileError, dump_plan, parse_plan
from evidence_repo.plan.scope import default_scope
from evidence_repo.plan.slugs import candidates, is_slug, slug_for, unique_slug


def plan(milestones=None):
    milestones = milestones or [
        {"number": 1, "objective": "O", "requirements": ["Minuta"], "activities": [{"name": "A"}]}]
    return {"format": "evidence-repo/plan@2", "plan": {"title": "Plan"},
            "commitments": [{"title": "Compromiso", "milestones": milestones}]}


def problems(data) -> list[str]:
    with pytest.raises(PlanFileError) as exc:
        parse_plan(data)
    return exc.value.problems


def test_requirements_are_a_name_or_means_and_scope():
    doc = parse_plan(plan([{"number": 1, "objective": "O",
                            "requirements": ["Minuta", {"means": "Informe", "scope": "each_activity"}],
                            "activities": [{"requirements": ["Lista de asistencia"]}]}]))
    m = doc.commitments[0].milestones[0]
    assert [(r.means, r.scope) for r in m.requirements] == [("Minuta", None), ("Informe", "each_activity")]
    assert m.activities[0].requirements[0].means == "Lista de asistencia"
    dumped = yaml.safe_load(dump_plan(doc))
    assert dumped["commitments"][0]["milestones"][0]["requirements"] == [
        "Minuta", {"means": "Informe", "scope": "each_activity"}]
    assert "commitment" not in dumped and "id" not in dumped["commitments"][0]["milestones"][0]["activities"][0]


@pytest.mark.parametrize("name, scope", [
    ("Convocatoria", "each_activity"), ("LISTA DE ASISTENCIA", "each_activity"), ("Memoria fotografica", "each_activity"),
    ("Minutas", "each_activity"), ("Relatorías por mesa", "each_activity"), ("Plan anual de trabajo", "milestone"),
    ("Informe final", "milestone"), ("Acuerdos generales", "milestone"), ("Presentación del Programa 2020", "milestone"),
])
def test_default_scope_follows_the_kind_of_means(name, scope):
    assert default_scope(name) == scope
    assert default_scope(name, on_activity=True) == "each_activity"


def test_first_format_files_are_one_commitment_plans():
    doc = parse_plan({"format": "evidence-repo/plan@1", "plan": {"title": "P"},
                      "commitment": {"title": "C", "milestones": [{"number": 1, "objective": "O"}]}})
    assert [c.title for c in doc.all_commitments()] == ["C"]
    assert doc.entries()[0][0] == "commitment"


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["plan"].update(slug="Mi Plan"),
     "plan.slug: slug inválido 'Mi Plan': use minúsculas sin acentos, dígitos y guiones, hasta 80 caracteres "
     "(por ejemplo 'mi-plan')"),
    (lambda d: d["commitments"][0].update(slug="x" * 81), "commitments[0].slug: slug inválido"),
    (lambda d: d["plan"].update(title="  "), "plan.title: falta el título"),
    (lambda d: d["commitments"][0].update(title=None), "commitments[0].title: falta el título"),
    (lambda d: d["commitments"][0]["milestones"][0]["requirements"].append({"means": "Informe", "scope": "a veces"}),
     "commitments[0].milestones[0].requirements[1].scope: alcance desconocido 'a veces'; use each_activity o "
     "milestone"),
    (lambda d: d["commitments"][0]["milestones"][0]["activities"][0].update(
        requirements=[{"means": "Informe", "scope": "milestone"}]),
     "commitments[0].milestones[0].activities[0]: los requisitos de una actividad son de esa actividad"),
    (lambda d: d["commitments"][0]["milestones"][0]["requirements"].append("minutas"),
     "commitments[0].milestones[0].requirements[1]: 'minutas' se exige dos veces en el mismo lugar"),
    (lambda d: d["commitments"][0]["milestones"][0]["activities"].extend([{"id": 7}, {"id": 7}]),
     "commitments[0].milestones[0]: ids de actividad repetidos: [7]"),
    (lambda d: d["commitments"].append({**d["commitments"][0], "slug": "c"}) or d["commitments"][0].update(slug="c"),
     "commitments: slugs de compromiso repetidos: c"),
    (lambda d: d.update(commitment=d["commitments"][0]), "use commitments (una lista) o, en archivos antiguos"),
    (lambda d: d.update(commitments=[]), "commitments: el plan necesita al menos un compromiso"),
])
def test_problems_name_their_place(mutate, expected):
    data = plan()
    data["verification_means"] = [{"name": "Minuta", "aliases": ["Minutas"]}, {"name": "Informe"}]
    mutate(data)
    found = problems(data)
    assert any(expected in p for p in found), found


def test_slugs():
    assert slug_for("Análisis del programa “Apoyo a las OSC” 2019") == "analisis-del-programa-apoyo-a-las-osc-2019"
    assert len(slug_for("palabra " * 40)) <= 80 and not slug_for("palabra " * 40).endswith("-")
    assert slug_for("¿?") == "sin-titulo"
    assert is_slug("plan-2019") and not is_slug("Plan") and not is_slug("a--b") and not is_slug("-a")
    assert unique_slug("plan", {"plan", "plan-2"}.__contains__) == "plan-3"
    long = next(c for i, c in enumerate(candidates("x" * 80)) if i == 1)
    assert long.endswith("-2") and len(long) == 80
