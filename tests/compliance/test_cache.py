"""The compliance result cache: every write that can change compliance shows on the next page at once (in this
process and in others sharing the database), and a result cached for one audience never names restricted evidence
to another."""
import csv
import datetime as dt
import io
import random
import threading
from types import SimpleNamespace

import pytest
import yaml
from sqlalchemy import func, insert, select

from evidence_repo import create_app
from evidence_repo.audit import AuditRecord
from evidence_repo.compliance import views
from evidence_repo.compliance.cache import ENTRY_ROWS, ComplianceCache, read_state
from evidence_repo.evidence.models import Evidence
from evidence_repo.plan.models import Milestone, VerificationMeans
from evidence_repo.services import services
from tests.helpers import csrf_token, login, upload

C = "/compromisos/jalisco-apoyo-organizaciones-sociedad-civil"  # the seed commitment's canonical URL




def milestone(client, number, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = client.get("/api/v1/compliance", headers=headers).get_json()
    return next(m for m in data["milestones"] if m["number"] == number)


def warm(app, client, number=11):
    """Ask twice and prove the second answer came from the cache; returns the milestone as the API has it."""
    cache = services(app).compliance
    milestone(client, number)
    hits = cache.hits
    found = milestone(client, number)
    assert cache.hits == hits + 1, "the repeated request was not served from the cache"
    return found


def signed_in(app, make_user, email, role):
    make_user(email, role)
    client = app.test_client()
    login(client, email)
    return client


# ----------------------------------------------------------------------------------- each write path

def test_api_upload_shows_at_once(app, client, staff_token):
    assert warm(app, client)["status"] == "sin_fecha"
    upload(client, staff_token, 11, "Informe final", "informe final")
    assert milestone(client, 11)["status"] == "completo"
    assert "cell-pendiente_revision" in client.get(C + "/cumplimiento").get_data(as_text=True)


def test_web_upload_shows_at_once(app, client, make_user):
    staff = signed_in(app, make_user, "staff@jalisco.gob.mx", "staff")
    assert warm(app, client)["status"] == "sin_fecha"
    data = {"csrf_token": csrf_token(staff, "/personal/subir"), "milestone": "11", "means": "Informe final",
            "activity": "", "title": "", "date": "", "description": "", "visibility": "public",
            "files": [(io.BytesIO(b"informe final"), "informe.txt")]}
    assert staff.post("/personal/subir", data=data, content_type="multipart/form-data").status_code in (200, 302)
    assert milestone(client, 11)["status"] == "completo"


def test_bulk_ingest_shows_at_once(app, client, tmp_path):
    folder = tmp_path / "informes"
    folder.mkdir()
    (folder / "informe.txt").write_text("informe final")
    assert warm(app, client)["status"] == "sin_fecha"
    result = app.test_cli_runner().invoke(args=["ingest", str(folder), "--milestone", "11", "--means",
                                                "Informe final", "--no-index"])
    assert result.exit_code == 0, result.output
    assert milestone(client, 11)["status"] == "completo"


def test_review_and_replacement_show_at_once(app, client, staff_token, make_user):
    evidence_id = upload(client, staff_token, 11, "Informe final", "borrador")
    assert warm(app, client)["status"] == "completo"
    committee = signed_in(app, make_user, "comite@jalisco.gob.mx", "committee")
    token = csrf_token(committee, f"/evidencias/{evidence_id}")
    committee.post(f"/comite/evidencias/{evidence_id}/revisar",
                   data={"csrf_token": token, "state": "observada", "comment": "Falta la firma"})
    m11 = milestone(client, 11)
    assert m11["status"] == "sin_fecha" and m11["observed"] == {"Informe final": [evidence_id]}
    assert warm(app, client)["status"] == "sin_fecha"
    staff = signed_in(app, make_user, "staff@jalisco.gob.mx", "staff")
    token = csrf_token(staff, f"/personal/evidencias/{evidence_id}/editar")
    staff.post(f"/personal/evidencias/{evidence_id}/reemplazar",
               data={"csrf_token": token, "replace-file": (io.BytesIO(b"informe firmado"), "informe.txt")},
               content_type="multipart/form-data")
    assert milestone(client, 11)["status"] == "completo"
    token = csrf_token(committee, f"/evidencias/{evidence_id}")
    committee.post(f"/comite/evidencias/{evidence_id}/revisar", data={"csrf_token": token, "state": "validada"})
    html = client.get(C + "/cumplimiento").get_data(as_text=True)
    assert 'class="cell cell-cumplido"' in html


def test_metadata_edit_shows_at_once(app, client, staff_token, make_user):
    evidence_id = upload(client, staff_token, 11, "Informe final", "informe final")
    assert warm(app, client)["evidence"] == {"Informe final": [evidence_id]}
    staff = signed_in(app, make_user, "staff@jalisco.gob.mx", "staff")
    data = {"csrf_token": csrf_token(staff, f"/personal/evidencias/{evidence_id}/editar"), "milestone": "11",
            "means": "Informe final", "activity": "", "title": "Informe", "date": "", "description": "",
            "visibility": "restricted"}
    assert staff.post(f"/personal/evidencias/{evidence_id}/editar", data=data).status_code == 302
    assert milestone(client, 11)["evidence"] == {"Informe final": ["restringida"]}  # the public no longer sees it
    data.update(csrf_token=csrf_token(staff, f"/personal/evidencias/{evidence_id}/editar"), milestone="10",
                means="Informe final")
    assert staff.post(f"/personal/evidencias/{evidence_id}/editar", data=data).status_code == 302
    assert milestone(client, 11)["status"] == "sin_fecha" and milestone(client, 11)["evidence"] == {
        "Informe final": []}


def test_admin_plan_edit_shows_at_once(app, client, make_user):
    admin = signed_in(app, make_user, "admin@jalisco.gob.mx", "admin")
    assert warm(app, client)["due"] is None
    activity_id = client.get("/api/v1/milestones/11").get_json()["activities"][0]["id"]
    token = csrf_token(admin, "/admin/metas/11")
    admin.post("/admin/metas/11/actividad", data={"csrf_token": token, "activity_id": activity_id,
                                                  "name": "Entrega", "date": "2020-08-01", "reason": "Fecha acordada"})
    assert milestone(client, 11)["status"] == "vencido" and milestone(client, 11)["due"] == "2020-08-01"
    assert "01/08/2020" in client.get(C + "/cumplimiento").get_data(as_text=True)
    assert warm(app, client)["required"] == ["Informe final"]
    token = csrf_token(admin, "/admin/metas/11")
    admin.post("/admin/metas/11/requisito", data={"csrf_token": token, "means": "Minuta", "activity_id": "",
                                                  "reason": "El comité pidió la minuta"})
    assert milestone(client, 11)["required"] == ["Informe final", "Minuta"]


def test_plan_import_shows_at_once(app, client, tmp_path):
    runner = app.test_cli_runner()
    assert warm(app, client)["required"] == ["Informe final"]
    plan = yaml.safe_load(runner.invoke(args=["plan", "export"]).output)
    m11 = next(m for m in plan["commitments"][0]["milestones"] if m["number"] == 11)
    m11["requirements"] = ["Informe final", "Minuta"]
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["plan", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert milestone(client, 11)["required"] == ["Informe final", "Minuta"]


def test_another_process_sees_a_write_at_once(app, client, staff_token):
    """Two web processes on one database: each has its own cache, and the audit trail tells both."""
    other = create_app({"DATA_DIR": app.config["DATA_DIR"], "DATABASE_URL": app.config["DATABASE_URL"],
                        "TESTING": True})
    try:
        reader = other.test_client()
        assert warm(other, reader)["status"] == "sin_fecha"
        upload(client, staff_token, 11, "Informe final", "informe final")  # through the first process
        assert milestone(reader, 11)["status"] == "completo"
    finally:
        services(other).close()


# ------------------------------------------------------------------------------------------- audiences

def test_cached_results_never_name_restricted_evidence_to_the_public(app, client, staff_token, make_user):
    secret = upload(client, staff_token, 11, "Informe final", "datos personales", visibility="restricted")
    shown = upload(client, staff_token, 3, "Minuta", "minuta pública")
    staff = signed_in(app, make_user, "staff@jalisco.gob.mx", "staff")
    for _ in range(2):  # staff first, then the public, in both orders, all from one cached result
        assert milestone(client, 11, staff_token)["evidence"] == {"Informe final": [secret]}
        assert milestone(client, 11)["evidence"] == {"Informe final": ["restringida"]}
        assert milestone(client, 3)["evidence"]["Minuta"] == [shown]
        assert f"/evidencias/{secret}" in staff.get(C + "/cumplimiento").get_data(as_text=True)
        public_html = client.get(C + "/cumplimiento").get_data(as_text=True)
        assert f"/evidencias/{secret}" not in public_html and f"/evidencias/{shown}" in public_html
        rows = {r[0]: r for r in csv.reader(io.StringIO(
            client.get("/cumplimiento.csv").get_data(as_text=True).lstrip("\ufeff"))) if r[3] == "Informe final"}
        staff_rows = {r[0]: r for r in csv.reader(io.StringIO(
            staff.get("/cumplimiento.csv").get_data(as_text=True).lstrip("\ufeff"))) if r[3] == "Informe final"}
        assert rows["11"][5] == "restringida" and staff_rows["11"][5] == str(secret)
        assert client.get(C + "/metas/11").get_data(as_text=True).count("(0)") == 1  # the public counts none
        assert "(1)" in staff.get(C + "/metas/11").get_data(as_text=True)
    assert services(app).compliance.hits > 10


# -------------------------------------------------------------------------------------- the cache itself

def test_a_unit_of_work_with_uncommitted_changes_neither_reads_nor_fills_the_cache(app, session):
    cache = ComplianceCache()
    today = dt.date.today()
    before = views.compute(session, today, cache=cache)
    assert before is not None and len(cache) == 1
    m11 = session.scalar(select(Milestone).where(Milestone.number == 11))
    means = session.scalar(select(VerificationMeans).where(VerificationMeans.name == "Informe final"))
    session.add(Evidence(milestone=m11, means=means, title="Informe"))
    session.flush()  # not committed: a rollback could still undo it, and its audit id be taken by another write
    during = views.compute(session, today, cache=cache)
    assert during is not None and during.milestone(11).status == "completo"  # type: ignore[union-attr]
    assert len(cache) == 1 and cache.get(next(iter(cache._entries))) is before
    session.rollback()
    after = views.compute(session, today, cache=cache)
    assert after is before


def test_generation_moves_with_every_commit_even_out_of_id_order(session):
    start = read_state(session).generation
    top = session.scalar(select(func.max(AuditRecord.id))) or 0
    session.execute(insert(AuditRecord), [{"id": top + 10, "action": "x", "entity": "x"}])
    session.commit()
    first = read_state(session).generation
    # a database handing ids out of a sequence may commit a smaller id after a larger one
    session.execute(insert(AuditRecord), [{"id": top + 5, "action": "x", "entity": "x"}])
    session.commit()
    second = read_state(session).generation
    assert start < first < second


def test_sign_ins_and_failed_sign_ins_keep_the_cache(app, client, make_user, staff_token):
    """Sign-ins are audited but move no figure: a stream of failed sign-ins must not make every page recompute."""
    make_user("comite@jalisco.gob.mx", "committee")
    warm(app, client)
    cache = services(app).compliance
    with services(app).sessions() as s:
        before = read_state(s).generation
    login(client, "comite@jalisco.gob.mx", "contraseña equivocada")
    login(client, "comite@jalisco.gob.mx")
    client.post("/salir", data={"csrf_token": csrf_token(client, "/")})
    with services(app).sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditRecord)
                        .where(AuditRecord.action.like("auth.%"))) >= 2
        assert read_state(s).generation == before
    hits = cache.hits
    milestone(client, 11)
    assert cache.hits > hits
    upload(client, staff_token, 3, "Minuta", "Minuta de la sesión")
    with services(app).sessions() as s:
        assert read_state(s).generation > before


def key(n, generation=(1, 1)):
    return (1, dt.date(2020, 1, n), 15, generation)


def result(rows: int = 100, **extra):
    """Stands in for a Compliance: the cache weighs a result by the evidence rows it holds."""
    return SimpleNamespace(visibility=dict.fromkeys(range(rows), "public"), **extra)


def test_cache_is_an_lru_bounded_by_rows_that_forgets_old_generations():
    weight = ENTRY_ROWS + 100
    cache = ComplianceCache(max_rows=2 * weight)
    a, b, c, d = (result() for _ in range(4))
    cache.put(key(1), a)  # type: ignore[arg-type]
    cache.put(key(2), b)  # type: ignore[arg-type]
    assert cache.get(key(1)) is a  # now the most recently used
    cache.put(key(3), c)  # type: ignore[arg-type]
    assert len(cache) == 2 and cache.rows == 2 * weight
    assert cache.get(key(2)) is None and cache.get(key(1)) is a and cache.get(key(3)) is c
    cache.put(key(4), result(2 * weight))  # type: ignore[arg-type]  # bigger than the whole cache: not kept
    assert len(cache) == 2 and cache.get(key(4)) is None
    assert cache.get(key(1, (2, 2))) is None  # a newer generation was seen: older entries can never be asked again
    assert len(cache) == 0 and cache.rows == 0
    cache.put(key(5, (1, 1)), d)  # type: ignore[arg-type]  # computed before the change: not kept
    assert len(cache) == 0
    off = ComplianceCache(max_rows=0)
    off.put(key(1), a)  # type: ignore[arg-type]
    assert off.get(key(1)) is None


def test_cache_is_thread_safe():
    cache = ComplianceCache(max_rows=8 * (ENTRY_ROWS + 10))
    errors: list[BaseException] = []

    def hammer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(2000):
                k = key(rng.randrange(1, 20), (rng.randrange(3), 0))
                if rng.random() < 0.5:
                    cache.put(k, result(10, key=k))  # type: ignore[arg-type]
                else:
                    found = cache.get(k)
                    assert found is None or found.key == k  # type: ignore[attr-defined]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(cache) <= 8
    assert cache.rows == sum(ENTRY_ROWS + 10 for _ in range(len(cache)))


@pytest.mark.parametrize("path", [C + "/cumplimiento", "/api/v1/compliance", C, C + "/metas/3", "/cumplimiento.csv"])
def test_pages_share_one_result_per_date(app, client, path):
    client.get("/api/v1/compliance")
    misses = services(app).compliance.misses
    assert client.get(path).status_code == 200
    assert services(app).compliance.misses == misses
