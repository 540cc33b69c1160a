"""Compliance with much evidence: the fast loader gives exactly what the engine gives on every row, reads only the
commitment's rows, and pages run a fixed number of queries however much evidence exists."""
import datetime as dt
import random
from collections import Counter
from functools import partial

import pytest
from sqlalchemy import event, insert, select

from evidence_repo.compliance import load, views
from evidence_repo.compliance.engine import assess
from evidence_repo.evidence.models import Evidence, EvidenceFile, EvidenceReview
from evidence_repo.plan.models import Activity, Commitment, Milestone, Requirement, VerificationMeans
from evidence_repo.services import services

C = "/compromisos/jalisco-apoyo-organizaciones-sociedad-civil"  # the seed commitment's canonical URL

UTC = dt.UTC
SESSION_DOCUMENTS = {"Convocatoria", "Lista de asistencia", "Memoria fotográfica", "Minuta"}
AS_OF = [dt.date(2019, 9, 15), dt.date(2019, 10, 20), dt.date(2019, 11, 30), dt.date(2019, 12, 13),
         dt.date(2020, 1, 31), dt.date(2030, 1, 1)]


def moment(rng: random.Random) -> dt.datetime:
    """A time between September 2019 and February 2020, often exactly on a day boundary (the as-of cut)."""
    day = dt.datetime(2019, 9, 1, tzinfo=UTC) + dt.timedelta(days=rng.randrange(0, 180))
    return day + rng.choice([dt.timedelta(0), dt.timedelta(microseconds=-1), dt.timedelta(hours=rng.randrange(24))])


def seed_varied(session, n: int, seed: int = 7, first_id: int = 1) -> None:
    """``n`` evidence over every milestone of the (first) commitment, some naming a session, some restricted, some of a means nobody requires,
    with decisions and file replacements, some at the very same moment."""
    rng = random.Random(seed)
    first = select(Commitment.id).order_by(Commitment.id).limit(1).scalar_subquery()
    milestones = session.scalars(select(Milestone).where(Milestone.commitment_id == first)).all()
    activities = {m.id: [a.id for a in m.activities] for m in milestones}
    means = session.scalars(select(VerificationMeans.id)).all()
    evidence, files, reviews = [], [], []
    for i in range(first_id, first_id + n):
        m = rng.choice(milestones)
        created = moment(rng)
        evidence.append({"id": i, "milestone_id": m.id, "means_id": rng.choice(means),
                         "activity_id": rng.choice(activities[m.id] + [None]) if activities[m.id] else None,
                         "title": f"e{i}", "visibility": rng.choice(["public", "public", "restricted"]),
                         "created_at": created, "updated_at": created})
        files.append({"evidence_id": i, "version": 1, "sha256": f"{i:064x}", "size": 1, "mime_type": "text/plain",
                      "original_name": "a.txt", "uploaded_at": created, "text_status": "extracted"})
        events = sorted(created + dt.timedelta(days=rng.randrange(0, 60), hours=rng.randrange(24))
                        for _ in range(rng.choice([0, 0, 1, 2, 3])))
        version = 1
        for at in events:
            if rng.random() < 0.3:
                version += 1
                files.append({"evidence_id": i, "version": version, "sha256": f"{i:060x}{version:04x}", "size": 1,
                              "mime_type": "text/plain", "original_name": "a.txt", "uploaded_at": at,
                              "text_status": "extracted"})
                if rng.random() < 0.5:  # a decision at the very moment of the replacement: the replacement wins
                    reviews.append({"evidence_id": i, "file_version": version - 1, "at": at,
                                    "state": rng.choice(["validada", "observada"])})
            else:
                reviews.append({"evidence_id": i, "file_version": version, "at": at,
                                "state": rng.choice(["validada", "observada"])})
    session.execute(insert(Evidence), evidence)
    session.execute(insert(EvidenceFile), files)
    if reviews:
        session.execute(insert(EvidenceReview), reviews)
    session.commit()


def reference(session, as_of: dt.date):
    """The engine's own path: every evidence as EvidenceInfo with its whole review history."""
    inputs = load.load_inputs(session)
    assert inputs is not None
    return inputs, assess(inputs.milestones, inputs.evidence, as_of, soon_days=15)


@pytest.mark.parametrize("per_session", [False, True])
def test_fast_path_matches_the_engine_on_every_row(app, session, monkeypatch, per_session):
    if per_session:
        monkeypatch.setattr(load, "requirement_scope",
                            lambda r: "each_activity" if r.means.name in SESSION_DOCUMENTS else "milestone")
    seed_varied(session, 600)
    cache = services(app).compliance
    for as_of in AS_OF:
        inputs, expected = reference(session, as_of)
        fast = views.compute(session, as_of, 15)
        cached = views.compute(session, as_of, 15, cache=cache)
        assert fast is not None and cached is not None
        assert fast.assessment == expected, as_of
        assert cached.assessment == expected, as_of
        assert fast.visibility == {e.id: "public" if e.visibility == "public" else "restricted"
                                   for e in inputs.evidence}
        assert fast.counts == Counter((e.milestone, e.visibility) for e in inputs.evidence)
    # the data really exercised every state, the unassigned rule and the date cut
    everything = views.compute(session, dt.date(2030, 1, 1), 15)
    assert everything is not None
    cells = {state for m in everything.assessment.milestones for state in m.cells.values()}
    assert {"cumplido", "pendiente_revision", "observado"} <= cells
    if per_session:
        assert any(m.unassigned for m in everything.assessment.milestones)
    early = views.compute(session, AS_OF[0], 15)
    assert early is not None
    assert sum(len(ids) for m in early.assessment.milestones for ids in m.evidence.values()) < \
        sum(len(ids) for m in everything.assessment.milestones for ids in m.evidence.values())


def test_evidence_exists_from_its_utc_day_on(session):
    """The database compares the stored (naive UTC) moments with the day after the as-of date."""
    milestone = session.scalar(select(Milestone).where(Milestone.number == 11))
    means = session.scalar(select(VerificationMeans).where(VerificationMeans.name == "Informe final"))
    day = dt.date(2020, 3, 10)
    late = dt.datetime(2020, 3, 10, 23, 59, 59, 999999, tzinfo=UTC)
    for i, created in ((1, late), (2, late + dt.timedelta(microseconds=1)),
                       (3, dt.datetime(2020, 3, 10, 20, 0, tzinfo=dt.timezone(dt.timedelta(hours=-6))))):
        session.add(Evidence(id=i, milestone=milestone, means=means, title="Informe", created_at=created))
    session.commit()
    c = views.compute(session, day)
    assert c is not None
    # 20:00 in Guadalajara is 02:00 UTC the next day: not yet there on the 10th
    assert c.milestone(11).evidence == {"Informe final": (1,)}  # type: ignore[union-attr]
    assert views.compute(session, day + dt.timedelta(days=1)).milestone(11).evidence == {  # type: ignore[union-attr]
        "Informe final": (1, 2, 3)}


# ------------------------------------------------------------------------------------- several commitments

@pytest.fixture
def second_commitment(session):
    """A second commitment of the same plan, with one milestone, one session and one requirement."""
    first = session.scalar(select(Commitment).order_by(Commitment.id))
    minuta = session.scalar(select(VerificationMeans).where(VerificationMeans.name == "Minuta"))
    other = Commitment(plan_id=first.plan_id, slug="segundo-compromiso", title="Segundo compromiso",
                       start_date=dt.date(2020, 1, 1))
    session.add(other)
    session.flush()
    milestone = Milestone(commitment_id=other.id, number=1, objective="Otra meta")
    session.add(milestone)
    session.flush()
    session.add(Activity(milestone_id=milestone.id, position=0, name="Única sesión", date=dt.date(2020, 2, 1)))
    session.add(Requirement(milestone_id=milestone.id, means_id=minuta.id, position=0))
    session.commit()
    return other.id, milestone.id, minuta.id


def test_a_commitment_reads_only_its_own_evidence(app, session, second_commitment):
    other_id, other_milestone, minuta = second_commitment
    seed_varied(session, 300)
    mine_before = views.compute(session, dt.date(2030, 1, 1))
    now = dt.datetime(2020, 1, 15, tzinfo=UTC)
    session.execute(insert(Evidence), [
        {"id": 10_000 + i, "milestone_id": other_milestone, "means_id": minuta, "title": "otra",
         "visibility": "public", "created_at": now, "updated_at": now} for i in range(5)])
    session.execute(insert(EvidenceReview), [{"evidence_id": 10_000, "file_version": 1, "state": "observada",
                                              "at": now}])
    session.commit()

    mine = views.compute(session, dt.date(2030, 1, 1))
    assert mine is not None and mine_before is not None
    assert mine.commitment_id != other_id
    assert mine.assessment == mine_before.assessment and mine.visibility == mine_before.visibility
    assert not any(i >= 10_000 for i in mine.visibility)

    statements: list[str] = []
    engine = services(app).engine
    listener = partial(lambda seen, *args: seen.append(args[2]), statements)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        other = views.compute(session, dt.date(2030, 1, 1), 15, other_id, cache=services(app).compliance)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert other is not None and other.commitment_id == other_id
    assert set(other.visibility) == {10_000 + i for i in range(5)}
    m1 = other.milestone(1)
    assert m1 is not None and m1.status == "completo"
    assert m1.evidence == {"Minuta": (10_001, 10_002, 10_003, 10_004)} and m1.observed == {"Minuta": (10_000,)}
    assert other.start_date == dt.date(2020, 1, 1)
    evidence_reads = [s for s in statements if "FROM evidence" in s and "evidence.milestone_id IN" in s]
    assert evidence_reads, statements  # filtered by the commitment's milestones, not the whole table
    assert len(statements) <= 7, statements


# ----------------------------------------------------------------------------------------- query counts

PAGES = (C + "/cumplimiento", C, C + "/metas/3", "/api/v1/compliance")


def count_queries(app, client, path: str) -> int:
    statements: list[str] = []
    engine = services(app).engine
    listener = partial(lambda seen, *args: seen.append(args[2]), statements)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def page_queries(app, client) -> dict[tuple[str, str], int]:
    """(path, "cold" / "warm") → SQL statements: cold right after the cache was emptied, warm repeated."""
    counts = {}
    for path in PAGES:
        services(app).compliance.clear()
        counts[path, "cold"] = count_queries(app, client, path)
        counts[path, "warm"] = count_queries(app, client, path)
    return counts


def test_query_counts_do_not_grow_with_evidence(app, client, session):
    seed_varied(session, 100)
    few = page_queries(app, client)
    seed_varied(session, 4_900, seed=8, first_id=101)
    many = page_queries(app, client)
    assert few == many
    # the API reads the plan and the evidence in 7 statements, then only checks the generation; a commitment's
    # matrix first finds the commitment by its slug (its plan, in 4 statements)
    assert many["/api/v1/compliance", "cold"] == 7 and many["/api/v1/compliance", "warm"] == 1
    # the matrix and the milestone page each add one statement for citizens' observations (participation)
    assert many[C + "/cumplimiento", "cold"] <= 12 and many[C + "/cumplimiento", "warm"] <= 6
    # their own plan (and evidence page) reads; the milestone page also counts the public's evidence (restricted
    # evidence shown by its versión pública included), loads those versions and its meeting's agreements
    assert many[C, "warm"] == 5 and many[C + "/metas/3", "warm"] <= 12
    assert many[C, "cold"] <= 7 and many[C + "/metas/3", "cold"] <= 14


def programmes(count: int, first: int = 1) -> dict:
    """A plan of ``count`` small commitments (three milestones, two sessions each) to import beside the seed."""
    return {
        "format": "evidence-repo/plan@2",
        "plan": {"slug": f"programas-{first}", "title": f"Programas sociales {first}"},
        "commitments": [{
            "slug": f"programa-{n}", "title": f"Programa social {n}",
            "responsible_institution": "Secretaría de Bienestar",
            "milestones": [{
                "number": k, "objective": f"Meta {k} del programa {n}",
                "requirements": [{"means": "Lista de asistencia"}, {"means": "Informe", "scope": "milestone"}],
                "activities": [{"name": f"Sesión {s}", "date": f"2026-0{k}-1{s}"} for s in (1, 2)],
            } for k in (1, 2, 3)],
        } for n in range(first, first + count)],
    }


def test_query_counts_do_not_grow_with_commitments(app, client, session, tmp_path):
    """The portfolio, the home page and a plan's page read every commitment's compliance at once: adding five
    commitments adds no query, cold or warm; neither do the pages of one commitment."""
    from tests.helpers import import_plan

    seed_varied(session, 300)
    import_plan(app, tmp_path, programmes(1), name="uno.yaml")
    paths = ("/", "/cumplimiento", "/planes/programas-1", *PAGES, "/api/v1/commitments/programa-1/compliance",
             "/compromisos/programa-1/metas/2")

    def counts() -> dict[tuple[str, str], int]:
        out = {}
        for path in paths:
            services(app).compliance.clear()
            out[path, "cold"] = count_queries(app, client, path)
            out[path, "warm"] = count_queries(app, client, path)
        return out

    few = counts()
    import_plan(app, tmp_path, programmes(6), name="seis.yaml")  # the same plan, now with six commitments
    many = counts()
    assert few == many
    assert many["/cumplimiento", "warm"] <= 4, many  # the list of commitments and the data generation
    page = client.get("/cumplimiento").get_data(as_text=True)
    assert page.count("Programa social") >= 6
