"""Many plans side by side: an import creates or updates ONE plan, by slug, and never moves evidence.

The issue this guards against: importing a second, different 3-milestone plan replaced the Jalisco plan, deleted
milestones 4–11 and the header, and re-attached a minuta of Jalisco's milestone 3 to the new plan's milestone 3.
"""
from __future__ import annotations

import copy
import io

import pytest
import yaml
from sqlalchemy import func, select

from evidence_repo.audit import AuditRecord
from evidence_repo.evidence.models import Evidence
from evidence_repo.plan.models import Commitment, Milestone, Plan, PlanChange

C = "/compromisos/jalisco-apoyo-organizaciones-sociedad-civil"  # the seed commitment's canonical URL

JALISCO = "plan-accion-local-jalisco-2019"
JALISCO_C = "jalisco-apoyo-organizaciones-sociedad-civil"
OTHER = {
    "format": "evidence-repo/plan@2",
    "plan": {"slug": "becas-zacatecas-2025", "title": "Plan de transparencia del programa Becas 2025",
             "jurisdiction": "Zacatecas", "note": "Sujeto a cambios"},
    "commitments": [{
        "slug": "becas-padron-abierto",
        "title": "Padrón abierto del programa Becas",
        "milestones": [
            {"number": 1, "objective": "Publicar las reglas de operación",
             "requirements": ["Reglas de operación publicadas"],
             "activities": [{"name": "Publicación", "date": "2025-02-01"}]},
            {"number": 2, "objective": "Publicar el padrón", "requirements": ["Padrón publicado"],
             "activities": [{"name": "Publicación del padrón", "date": "2025-03-01"}]},
            {"number": 3, "objective": "Reunión con el comité de seguimiento",
             "requirements": ["Lista de asistencia", {"means": "Minuta", "scope": "each_activity"}],
             "activities": [{"name": "Reunión de seguimiento", "date": "2025-04-10"}]},
        ],
    }],
}


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def run(runner, *args, ok=True):
    result = runner.invoke(args=list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def write(tmp_path, data, name="plan.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


def exported(runner, slug=JALISCO):
    return yaml.safe_load(run(runner, "plan", "export", "--plan", slug).output)


def upload(client, token, number, content: bytes, **fields):
    data = {"milestone": str(number), "means": "Minuta", "date": "2019-10-17", **fields,
            "file": (io.BytesIO(content), "minuta.txt")}
    r = client.post("/api/v1/evidence", data=data, headers={"Authorization": f"Bearer {token}"},
                    content_type="multipart/form-data")
    return r


@pytest.fixture
def minuta(client, staff_token, session):
    """A minuta that proves Jalisco's milestone 3 (and its only activity)."""
    activity = client.get("/api/v1/milestones/3").get_json()["activities"][0]["id"]
    r = upload(client, staff_token, 3, b"Minuta de la reunion de seguimiento del 17 de octubre", activity=activity)
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


def snapshot(client, token):
    """Everything public about the default (Jalisco) commitment, byte for byte."""
    paths = ["/api/v1/plan", "/api/v1/compliance", "/api/v1/compliance?as_of=2019-12-31", "/api/v1/evidence",
             "/cumplimiento.csv", *[f"/api/v1/milestones/{n}" for n in range(1, 12)]]
    out = {}
    for path in paths:
        for headers in ({}, {"Authorization": f"Bearer {token}"}):
            r = client.get(path, headers=headers)
            assert r.status_code == 200, (path, r.get_data(as_text=True))
            out[(path, bool(headers))] = r.get_data()
    return out


def count(session, model):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


# ------------------------------------------------------------------------------------------- the issue itself

def test_importing_another_plan_leaves_the_first_plan_its_evidence_and_compliance_untouched(
        runner, client, session, staff_token, minuta, tmp_path):
    before = snapshot(client, staff_token)
    jalisco_file = run(runner, "plan", "export").output
    evidence_before = [(e.id, e.milestone_id, e.activity_id) for e in session.scalars(select(Evidence))]
    assert before[("/api/v1/compliance", False)].count(b'"number"') >= 11

    result = run(runner, "plan", "import", write(tmp_path, OTHER))
    assert "Plan «becas-zacatecas-2025» (nuevo)" in result.output

    assert snapshot(client, staff_token) == before
    assert run(runner, "plan", "export").output == jalisco_file  # header fields, milestones 4–11, everything
    session.expire_all()
    assert [(e.id, e.milestone_id, e.activity_id) for e in session.scalars(select(Evidence))] == evidence_before
    jalisco = session.scalar(select(Commitment).where(Commitment.slug == JALISCO_C))
    m3 = next(m for m in jalisco.milestones if m.number == 3)
    assert evidence_before == [(minuta["id"], m3.id, m3.activities[0].id)]
    assert [m.number for m in jalisco.milestones] == list(range(1, 12))
    other = session.scalar(select(Commitment).where(Commitment.slug == "becas-padron-abierto"))
    assert [m.number for m in other.milestones] == [1, 2, 3]
    assert session.scalar(select(func.count()).select_from(Evidence).join(Milestone)
                          .where(Milestone.commitment_id == other.id)) == 0


def test_evidence_of_the_new_plan_never_counts_for_the_first(runner, client, session, staff_token, minuta, tmp_path):
    """Milestone numbers repeat across commitments: compliance and milestone pages keep them apart."""
    run(runner, "plan", "import", write(tmp_path, OTHER))
    before = snapshot(client, staff_token)
    r = upload(client, staff_token, 3, b"Minuta del comite de Becas", commitment="becas-padron-abierto",
               date="2025-04-10")
    assert r.status_code == 201, r.get_data(as_text=True)
    session.expire_all()
    evidence = session.get(Evidence, r.get_json()["id"])
    assert evidence.milestone.commitment.slug == "becas-padron-abierto" and evidence.milestone.number == 3
    after = snapshot(client, staff_token)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {("/api/v1/evidence", False), ("/api/v1/evidence", True)}  # the list of all evidence only
    page = client.get(C + "/metas/3").get_data(as_text=True)
    assert "Minuta del comite de Becas" not in page and "minuta" in page.lower()


def test_reimporting_the_seed_changes_nothing(runner, client, session, staff_token, minuta):
    from evidence_repo.plan.operations import SEED_PLAN

    before = snapshot(client, staff_token)
    changes, audit = count(session, PlanChange), count(session, AuditRecord)
    from importlib import resources
    with resources.as_file(resources.files("evidence_repo.seed") / SEED_PLAN) as path:
        dry = run(runner, "plan", "import", str(path), "--dry-run")
        real = run(runner, "plan", "import", str(path))
    assert "Sin cambios" in dry.output and "Sin cambios" in real.output
    assert (count(session, PlanChange), count(session, AuditRecord)) == (changes, audit)
    assert snapshot(client, staff_token) == before


def test_export_then_import_of_any_plan_changes_nothing(runner, session, tmp_path):
    run(runner, "plan", "import", write(tmp_path, OTHER))
    changes = count(session, PlanChange)
    for slug in (JALISCO, "becas-zacatecas-2025"):
        text = run(runner, "plan", "export", "--plan", slug).output
        path = tmp_path / f"{slug}.yaml"
        path.write_text(text, encoding="utf-8")
        assert "Sin cambios" in run(runner, "plan", "import", str(path)).output
        assert run(runner, "plan", "export", "--plan", slug).output == text
    assert count(session, PlanChange) == changes


# ------------------------------------------------------------------------------------------------ refusals

def _drop_milestone_3(data):
    data["commitments"][0]["milestones"] = [m for m in data["commitments"][0]["milestones"] if m["number"] != 3]


def _renumber_milestone_3(data):
    next(m for m in data["commitments"][0]["milestones"] if m["number"] == 3)["number"] = 12


def _drop_its_activity(data):
    m3 = next(m for m in data["commitments"][0]["milestones"] if m["number"] == 3)
    m3["activities"] = []


def _rename_it_without_ids(data):
    for m in data["commitments"][0]["milestones"]:
        for a in m["activities"]:
            a.pop("id")
    next(m for m in data["commitments"][0]["milestones"] if m["number"] == 3)["activities"][0]["name"] = "Otra"


def _move_it_to_another_milestone(data):
    milestones = data["commitments"][0]["milestones"]
    m3 = next(m for m in milestones if m["number"] == 3)
    m5 = next(m for m in milestones if m["number"] == 5)
    m5["activities"].append(m3["activities"].pop())


def _replace_the_commitment(data):
    data["commitments"] = copy.deepcopy(OTHER["commitments"])
    data["verification_means"] = []


@pytest.mark.parametrize("mutate, expected", [
    (_drop_milestone_3, "la meta 3 («Reunión con el Comité de seguimiento») no está en el archivo y tiene 1 "
                        "evidencia(s); una meta con evidencia no puede quitarse ni renumerarse"),
    (_renumber_milestone_3, "la meta 3 («Reunión con el Comité de seguimiento») no está en el archivo y tiene 1"),
    (_drop_its_activity, "la actividad «Reunión de seguimiento» (id {activity}) de la meta 3 no está en el archivo y tiene 1 "
                         "evidencia(s); no puede quitarse"),
    (_rename_it_without_ids, "tiene 1 evidencia(s); sin id en el archivo se la reconoce por su posición y aquí "
                             "pasaría a llamarse «Otra»"),
    (_move_it_to_another_milestone, "no es de la meta 5 de este compromiso"),
    (_replace_the_commitment, f"el compromiso '{JALISCO_C}' («Análisis del programa"),
])
def test_an_update_that_would_orphan_evidence_is_refused_and_changes_nothing(
        runner, client, session, staff_token, minuta, tmp_path, mutate, expected):
    data = exported(runner)
    mutate(data)
    data["commitments"][0].setdefault("theme", None)
    data["plan"]["note"] = "Cambiado a la vez, tampoco debe guardarse"
    before = snapshot(client, staff_token)
    changes, audit = count(session, PlanChange), count(session, AuditRecord)
    path = write(tmp_path, data)
    for args in ([path, "--dry-run"], [path]):
        result = run(runner, "plan", "import", *args, ok=False)
        assert result.exit_code == 1, result.output
        assert "No se importó el plan" in result.output, result.output
        assert expected.replace("{activity}", str(minuta["activity"])) in result.output, result.output
    assert snapshot(client, staff_token) == before
    assert (count(session, PlanChange), count(session, AuditRecord)) == (changes, audit)


def test_milestones_and_activities_without_evidence_can_go(runner, session, minuta, tmp_path):
    data = exported(runner)
    milestones = data["commitments"][0]["milestones"]
    data["commitments"][0]["milestones"] = [m for m in milestones if m["number"] != 11]
    m6 = next(m for m in milestones if m["number"] == 6)
    m6["activities"] = m6["activities"][:1]
    result = run(runner, "plan", "import", write(tmp_path, data), "--reason", "El comité fusionó dos sesiones")
    assert "- Meta 11 quitada: «Redacción del informe final»" in result.output
    assert "- Meta 6: actividad «Sesión de revisión del Padrón" in result.output
    rows = session.scalars(select(PlanChange).where(PlanChange.reason == "El comité fusionó dos sesiones")
                           .order_by(PlanChange.id)).all()
    assert [r.kind for r in rows] == ["plan.imported", "milestone.removed", "activity.removed"]
    assert rows[0].after == {"added": 0, "changed": 0, "removed": 2}
    assert rows[1].before == {"number": 11, "objective": "Redacción del informe final"}
    assert rows[1].commitment_slug == JALISCO_C and rows[1].milestone_number == 11


def test_a_file_cannot_take_another_plan_s_commitment(runner, session, tmp_path):
    data = copy.deepcopy(OTHER)
    data["commitments"][0]["slug"] = JALISCO_C
    result = run(runner, "plan", "import", write(tmp_path, data), ok=False)
    assert result.exit_code == 1
    assert f"commitments[0].slug: '{JALISCO_C}' es el compromiso «Análisis del programa" in result.output
    assert f"del plan '{JALISCO}'; un archivo sólo cambia su propio plan" in result.output
    assert count(session, Plan) == 1


def test_a_file_without_slug_never_guesses_which_plan_it_means(runner, session, tmp_path):
    data = exported(runner)
    del data["plan"]["slug"]
    result = run(runner, "plan", "import", write(tmp_path, data), ok=False)
    assert result.exit_code == 1
    assert "el archivo no dice qué plan es y ya existe el plan «Segundo Plan de Acción Local" in result.output
    assert f"escriba «slug: {JALISCO}» en plan" in result.output
    assert count(session, Plan) == 1


def test_commitment_slugs_are_derived_unique_across_the_site(runner, session, tmp_path):
    data = copy.deepcopy(OTHER)
    del data["plan"]["slug"]
    del data["commitments"][0]["slug"]
    data["commitments"][0]["title"] = "Jalisco apoyo organizaciones sociedad civil"  # derives Jalisco's slug
    run(runner, "plan", "import", write(tmp_path, data))
    plan = session.scalar(select(Plan).where(Plan.slug == "plan-de-transparencia-del-programa-becas-2025"))
    assert [c.slug for c in plan.commitments] == [f"{JALISCO_C}-2"]
    data["plan"]["slug"] = plan.slug
    assert "Sin cambios" in run(runner, "plan", "import", write(tmp_path, data)).output  # found again, not -3


# ----------------------------------------------------------------------------------------- dry run and record

def test_dry_run_prints_what_would_change_with_before_and_after(runner, session, minuta, tmp_path):
    data = exported(runner)
    milestones = data["commitments"][0]["milestones"]
    m9 = next(m for m in milestones if m["number"] == 9)
    m9["activities"][0].update(name="Presentación del Programa 2020", date="2020-02-20")
    m9["activities"].append({"name": "Sesión de preguntas", "date": "2020-02-27"})
    m3 = next(m for m in milestones if m["number"] == 3)
    m3["requirements"][4]["scope"] = "each_activity"  # Informe de retroalimentación, once per session
    m3["requirements"].append("Acuerdos generales")
    data["commitments"][0]["milestones"] = [m for m in milestones if m["number"] != 10]
    data["commitments"][0]["theme"] = "Transparencia"
    before = run(runner, "plan", "export").output
    changes = count(session, PlanChange)

    out = run(runner, "plan", "import", write(tmp_path, data), "--dry-run").output

    assert f"Plan «{JALISCO}» (existente): 7 cambio(s) — 2 agregado(s), 4 cambiado(s), 1 quitado(s)." in out
    lines = out.splitlines()
    assert f"  ~ Datos del compromiso cambiados: theme  [{JALISCO_C}]" in lines
    assert '      antes:   {"theme": "Transparencia y Rendición de cuentas"}' in lines
    assert '      después: {"theme": "Transparencia"}' in lines
    assert any(line.startswith("  - Meta 10 quitada: «Sesión de evaluación del impacto de las contribuciones")
               and line.endswith(f"…»  [{JALISCO_C} · meta 10]") for line in lines), lines
    assert f"  ~ Meta 9: fecha de «Por definir»: Por definir → 2020-02-20  [{JALISCO_C} · meta 9]" in lines
    assert f"  + Meta 9: actividad «Sesión de preguntas» agregada (2020-02-27)  [{JALISCO_C} · meta 9]" in lines
    assert '      después: {"name": "Sesión de preguntas", "date": "2020-02-27", "requirements": []}' in lines
    assert any(line.startswith('      antes:   {"number": 10, "objective": "Sesión de evaluación') for line in lines)
    assert f"  + Meta 3: se exige «Acuerdos generales» (milestone)  [{JALISCO_C} · meta 3]" in lines
    assert (f"  ~ Meta 3: «Informe de retroalimentación» pasa de milestone a each_activity  [{JALISCO_C} · meta 3]"
            in lines)
    assert '      antes:   {"means": "Informe de retroalimentación", "scope": "milestone", "activity": null}' in lines
    assert "Simulación (--dry-run): no se guardó nada." in lines
    assert run(runner, "plan", "export").output == before
    assert count(session, PlanChange) == changes

    run(runner, "plan", "import", write(tmp_path, data), "--reason", "Fechas acordadas con la SSAS")
    rows = session.scalars(select(PlanChange).where(PlanChange.reason == "Fechas acordadas con la SSAS")
                           .order_by(PlanChange.id)).all()
    assert [r.kind for r in rows] == [
        "plan.imported", "commitment.changed", "milestone.removed", "requirement.scope_changed", "requirement.added",
        "activity.date_changed", "activity.changed", "activity.added"]
    assert len({r.at for r in rows}) == 1
    assert {r.commitment_slug for r in rows[1:]} == {JALISCO_C} and rows[0].commitment_slug is None
    date_change = next(r for r in rows if r.kind == "activity.date_changed")
    assert date_change.before["date"] is None and date_change.after["date"] == "2020-02-20"
    assert "Sin cambios" in run(runner, "plan", "import", write(tmp_path, data)).output


def test_a_real_import_without_reason_says_it_was_an_import(runner, session, tmp_path):
    run(runner, "plan", "import", write(tmp_path, OTHER))
    rows = session.scalars(select(PlanChange).join(Plan).where(Plan.slug == "becas-zacatecas-2025")
                           .order_by(PlanChange.id)).all()
    assert [(r.kind, r.reason) for r in rows] == [("plan.imported", "Importación del plan"),
                                                  ("plan.created", "Importación del plan"),
                                                  ("commitment.added", "Importación del plan")]
    assert rows[2].summary == "Compromiso agregado: «Padrón abierto del programa Becas» (3 metas)"


# ------------------------------------------------------------------------------------------- archive, list

def test_a_plan_is_archived_and_listed_again_never_deleted(runner, client, session, tmp_path):
    from evidence_repo.plan.operations import list_plans, load_plan

    run(runner, "plan", "import", write(tmp_path, OTHER))
    out = run(runner, "plan", "archive", "becas-zacatecas-2025", "--reason", "Programa concluido").output
    assert "Plan «becas-zacatecas-2025» archivado" in out
    session.expire_all()
    assert [p.slug for p in list_plans(session)] == [JALISCO]
    assert [p.slug for p in list_plans(session, include_archived=True)] == [JALISCO, "becas-zacatecas-2025"]
    assert load_plan(session, "becas-zacatecas-2025").archived is True
    listing = run(runner, "plan", "list").output
    assert "becas-zacatecas-2025\tarchivado\tPlan de transparencia del programa Becas 2025" in listing
    assert f"{JALISCO}\tvisible\t" in listing and "  - becas-padron-abierto\tPadrón abierto" in listing
    assert "ya estaba archivado" in run(runner, "plan", "archive", "becas-zacatecas-2025").output
    run(runner, "plan", "unarchive", "becas-zacatecas-2025")
    kinds = session.scalars(select(PlanChange.kind).where(PlanChange.kind.like("plan.%archived"))
                            .order_by(PlanChange.id)).all()
    assert kinds == ["plan.archived", "plan.unarchived"]
    assert session.scalar(select(PlanChange.reason).where(PlanChange.kind == "plan.archived")) == "Programa concluido"
    missing = run(runner, "plan", "archive", "no-existe", ok=False)
    assert missing.exit_code != 0 and "No existe el plan 'no-existe'" in missing.output
    assert count(session, Plan) == 2


def test_archived_in_the_file_archives_and_leaving_it_out_keeps_it(runner, session, tmp_path):
    data = copy.deepcopy(OTHER)
    data["plan"]["archived"] = True
    run(runner, "plan", "import", write(tmp_path, data))
    assert session.scalar(select(Plan.archived).where(Plan.slug == "becas-zacatecas-2025")) is True
    del data["plan"]["archived"]
    assert "Sin cambios" in run(runner, "plan", "import", write(tmp_path, data)).output
