"""The shipped seed plan says exactly what the Jalisco 2019 document says."""
from datetime import date

import pytest

from evidence_repo.plan.operations import load_commitment


@pytest.fixture
def commitment(session):
    return load_commitment(session)


def milestone(commitment, number):
    return next(m for m in commitment.milestones if m.number == number)


def means(requirements):
    return [r.means.name for r in requirements]


def test_header_fields(commitment):
    assert commitment.title.startswith("Análisis del programa “Apoyo a las organizaciones de la sociedad civil”")
    assert commitment.plan.title.startswith("Segundo Plan de Acción Local de Gobierno Abierto 2019")
    assert commitment.theme == "Transparencia y Rendición de cuentas"
    assert (commitment.start_date, commitment.end_date) == (date(2019, 8, 22), date(2020, 8, 22))
    assert commitment.responsible_institution == "Secretaría de Planeación y Participación Ciudadana"
    assert commitment.responsible_name == "Margarita Sierra Díaz de Rivera"
    assert commitment.contact_email == "margarita.sierra@jalisco.gob.mx"
    assert commitment.contact_extension == "43612"
    assert len(commitment.government_bodies) == 5
    assert [m["name"] for m in commitment.civil_society] == [
        "Luis González Viramontes", "Cecilia Díaz Romo", "Omar Palafox Sáenz"]
    assert commitment.main_objective == "Mejorar el acceso y la calidad de la información en programas sociales"
    assert [v["name"] for v in commitment.ogp_values] == [
        "Acceso a la información", "Rendición de cuentas", "Participación ciudadana",
        "Tecnología e innovación para la apertura"]
    assert "MONAPP" in commitment.ogp_values[3]["description"]
    assert "impedir cualquier posibilidad de acto de corrupción" in commitment.anti_corruption_relevance
    assert commitment.problem.startswith("Deficiencia en el acceso y calidad de la información")
    assert commitment.plan.note == "Sujeto a cambios"


def test_eleven_milestones_in_order(commitment):
    assert [m.number for m in commitment.milestones] == list(range(1, 12))


def test_milestone_2_sessions_have_their_own_means(commitment):
    m2 = milestone(commitment, 2)
    assert [(a.name, a.date) for a in m2.activities] == [
        ("Sesión de ensayo de presentaciones", date(2019, 10, 1)),
        ("Sesión de capacitación y mesas de trabajo", date(2019, 10, 15)),
    ]
    rehearsal, training = m2.activities
    assert m2.own_requirements == []
    assert means(rehearsal.requirements) == ["Convocatoria", "Lista de asistencia", "Memoria fotográfica"]
    assert means(training.requirements) == [
        "Convocatoria", "Lista de asistencia", "Memoria fotográfica", "Presentación de los ponentes",
        "Relatorías por mesa de trabajo", "Informe general de las mesas de trabajo"]
    assert "MONAPP" in m2.objective


def test_milestone_3_requirements(commitment):
    m3 = milestone(commitment, 3)
    assert means(m3.own_requirements) == [
        "Convocatoria", "Lista de asistencia", "Memoria fotográfica", "Minuta", "Informe de retroalimentación"]
    assert m3.responsible == ["Luis González"]
    assert [(a.name, a.date) for a in m3.activities] == [("Reunión de seguimiento", date(2019, 10, 17))]


@pytest.mark.parametrize("number, dates", [
    (1, [date(2019, 9, 5), date(2019, 9, 9)]),
    (4, [date(2019, 10, 10), date(2019, 10, 29)]),
    (5, [date(2019, 11, 7)]),
    (6, [date(2019, 11, 4), date(2019, 11, 25)]),
    (7, [date(2019, 12, 13)]),
    (8, [date(2019, 11, 13), date(2019, 12, 6)]),
])
def test_activity_dates(commitment, number, dates):
    assert [a.date for a in milestone(commitment, number).activities] == dates


@pytest.mark.parametrize("number", [9, 10, 11])
def test_last_milestones_have_no_dates(commitment, number):
    m = milestone(commitment, number)
    assert m.due_date is None
    assert [(a.name, a.date) for a in m.activities] == [(None, None)]
    assert m.responsible == ["Mauricio Esponda Martínez", "Saira Pérez"]


def test_milestone_11_requires_final_report(commitment):
    assert means(milestone(commitment, 11).own_requirements) == ["Informe final"]


def test_seed_spellings_resolve_to_one_canonical_means(commitment, session):
    from sqlalchemy import select

    from evidence_repo.plan.models import VerificationMeans

    assert means(milestone(commitment, 4).own_requirements) == [
        "Lista de asistencia", "Presentación de los ponentes", "Relatorías por mesa de trabajo",
        "Informe general de las mesas de trabajo"]
    assert "Minuta" in means(milestone(commitment, 8).own_requirements)
    assert means(milestone(commitment, 10).own_requirements)[0] == "Lista de asistencia"
    names = session.scalars(select(VerificationMeans.name)).all()
    assert len(names) == len(set(names)) == 13
    assert not {"Minutas", "Lista de Asistencia", "Relatorías por mesa", "Presentaciones de los ponentes"} & set(names)


def test_activity_level_responsible_in_milestone_6(commitment):
    first, second = milestone(commitment, 6).activities
    assert first.effective_responsible == ["Mauricio Esponda Martínez"]
    assert second.effective_responsible == ["Saira Pérez"]
    assert milestone(commitment, 4).activities[0].effective_responsible == ["Mauricio Esponda Martínez", "Saira Pérez"]


# ----------------------------------------------------------------------------------------- slugs and scopes

SESSION_DOCUMENTS = {"Convocatoria", "Lista de asistencia", "Memoria fotográfica", "Minuta",
                     "Relatorías por mesa de trabajo"}
MILESTONE_PRODUCTS = {"Plan anual de trabajo", "Informe general de las mesas de trabajo", "Informe de retroalimentación",
                      "Acuerdos generales", "Presentación del Programa 2020", "Informe de Medición de Impacto",
                      "Informe final", "Presentación de los ponentes"}


def test_plan_and_commitment_have_readable_slugs(commitment):
    assert commitment.plan.slug == "plan-accion-local-jalisco-2019"
    assert commitment.slug == "jalisco-apoyo-organizaciones-sociedad-civil"
    assert commitment.plan.archived is False


def test_session_documents_are_required_of_each_activity_and_products_once(commitment):
    seen = set()
    for m in commitment.milestones:
        for r in m.own_requirements:
            expected = "each_activity" if r.means.name in SESSION_DOCUMENTS else "milestone"
            assert r.means.name in SESSION_DOCUMENTS | MILESTONE_PRODUCTS, r.means.name
            assert r.scope == expected, (m.number, r.means.name, r.scope)
            seen.add((r.means.name, r.scope))
        for a in m.activities:
            assert {r.scope for r in a.requirements} <= {"each_activity"}
    assert ("Minuta", "each_activity") in seen and ("Informe final", "milestone") in seen
    m3 = milestone(commitment, 3)
    assert {r.means.name: r.scope for r in m3.own_requirements} == {
        "Convocatoria": "each_activity", "Lista de asistencia": "each_activity", "Memoria fotográfica": "each_activity",
        "Minuta": "each_activity", "Informe de retroalimentación": "milestone"}
    m8 = milestone(commitment, 8)  # "Minutas" in the source: the same means, per session
    assert {r.means.name: r.scope for r in m8.own_requirements}["Minuta"] == "each_activity"


def test_the_seed_file_explains_the_scopes_in_its_comments():
    from importlib import resources

    from evidence_repo.plan.operations import SEED_PLAN

    text = (resources.files("evidence_repo.seed") / SEED_PLAN).read_text(encoding="utf-8")
    comments = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("#"))
    assert "each_activity" in comments and "milestone " in comments
    for name in ("Convocatoria", "Lista de asistencia", "Memoria fotográfica", "Minuta", "Relatorías",
                 "Plan anual de trabajo", "informes", "Acuerdos generales", "Presentación del Programa 2020",
                 "final"):
        assert name in comments, name
