"""A visibility change reaches the search index before any extraction, and a failing index fails closed."""
import io
import time

import pytest
from sqlalchemy import func, select

from evidence_repo.evidence.indexing import ACCESS, IndexWorker
from evidence_repo.evidence.models import IndexTask
from evidence_repo.policy import EVERYTHING, PUBLIC_ONLY
from evidence_repo.services import services
from tests.helpers import csrf_token, login, upload
from tests.samples import make_image

WORD = "zorzalitos"


@pytest.fixture
def staff(app, make_user):
    make_user("personal@jalisco.gob.mx", "staff")
    client = app.test_client()
    login(client, "personal@jalisco.gob.mx")
    return client


def found(app, visibility=PUBLIC_ONLY) -> int:
    return services(app).index().search(WORD, visibility=visibility).total


def restrict(staff, evidence_id: int, title: str = "Lista de zorzalitos"):
    edit = f"/personal/evidencias/{evidence_id}/editar"
    r = staff.post(edit, data={"csrf_token": csrf_token(staff, edit), "milestone": "3", "means": "Minuta",
                               "activity": "", "title": title, "date": "", "description": "",
                               "visibility": "restricted"})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]


def pending_extractions(app) -> int:
    with services(app).sessions() as s:
        return s.scalar(select(func.count()).select_from(IndexTask).where(
            IndexTask.done_at.is_(None), IndexTask.action != ACCESS)) or 0


def wait_for(condition, seconds: float) -> float:
    """Seconds until ``condition()`` held; fails after ``seconds``."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < seconds, f"not within {seconds} s"
        time.sleep(0.05)
    return time.monotonic() - start


def test_restricting_wins_the_race_against_a_queue_of_slow_ocr(app, staff, staff_token, tmp_path, client):
    services(app).index()
    services(app).start_worker()  # as `serve` runs it: a thread of the web process, woken by each change
    evidence_id = upload(client, staff_token, 3, "Minuta", f"Asistentes y {WORD} de la sesión")
    wait_for(lambda: found(app) == 1, 10)
    for n in range(6):  # scans waiting for OCR, a few seconds each
        png = make_image(tmp_path / f"lista{n}.png", f"Lista de asistencia numero {n} con nombres y firmas")
        r = client.post("/api/v1/evidence", headers={"Authorization": f"Bearer {staff_token}"},
                        content_type="multipart/form-data",
                        data={"milestone": "3", "means": "Lista de asistencia",
                              "file": (io.BytesIO(png.read_bytes()), f"lista{n}.png")})
        assert r.status_code == 201
    time.sleep(0.5)  # the worker is extracting now

    restrict(staff, evidence_id)
    took = wait_for(lambda: found(app) == 0, 2.0)
    assert pending_extractions(app) > 0, "the scans were already done: this run did not test the race"
    assert took < 2.0
    page = client.get(f"/buscar?q={WORD}").get_data(as_text=True)
    assert f'href="/evidencias/{evidence_id}' not in page and "No encontramos evidencias" in page
    assert found(app, EVERYTHING) == 1  # staff still find it


class RefusingWrites:
    """A real Whoosh index whose document writes fail (a full disk, a bug in one document's values)."""

    def __init__(self, index):
        self.index = index

    def add(self, docs):
        raise OSError("No space left on device")

    def __getattr__(self, name):
        return getattr(self.index, name)


def test_an_index_update_that_keeps_failing_hides_the_item_from_public_search(app, staff, staff_token, client,
                                                                               worker):
    evidence_id = upload(client, staff_token, 3, "Minuta", f"Asistentes y {WORD} de la sesión")
    worker.drain()
    assert found(app) == 1
    restrict(staff, evidence_id)
    svc = services(app)
    failing = IndexWorker(svc.sessions, svc.blobs, RefusingWrites(svc.index()), svc.limits)
    try:
        assert failing.run_once() == 0
    finally:
        failing.close()
    assert found(app) == 0 and found(app, EVERYTHING) == 0  # taken out of the index: fail closed
    with svc.sessions() as s:
        task = s.scalar(select(IndexTask).where(IndexTask.action == ACCESS))
        assert task.done_at is None and task.attempts == 1 and "No space left" in task.last_error
    report = app.test_cli_runner().invoke(args=["check"])
    assert "Tareas de indexación que fallan: 1" in report.output and "No space left" in report.output

    assert worker.drain() == 1  # a healthy writer later applies it
    assert found(app) == 0 and found(app, EVERYTHING) == 1


def test_check_compares_visibility_title_and_commitment_and_repairs_them(app, staff, staff_token, client, worker):
    evidence_id = upload(client, staff_token, 3, "Minuta", f"Asistentes y {WORD} de la sesión",
                         visibility="restricted")
    worker.drain()
    index = services(app).index()
    from evidence_repo.evidence.indexing import to_document
    from evidence_repo.evidence.operations import load_evidence

    with services(app).sessions() as s:
        doc = to_document(load_evidence(s, evidence_id))
    index.add([dict(doc, visibility="public", title="Otro título")])  # as an old bug or a lost update left it
    assert found(app) == 1
    runner = app.test_cli_runner()
    drift = runner.invoke(args=["check"])
    assert drift.exit_code == 1
    assert "Evidencias que el índice muestra distinto (--repair las reescribe): 1" in drift.output
    assert "visibility «public» en el índice, «restricted» en la base de datos" in drift.output
    assert "title «Otro título» en el índice" in drift.output
    repaired = runner.invoke(args=["check", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "Reparado: 1 evidencias reescritas" in repaired.output
    assert found(app) == 0 and found(app, EVERYTHING) == 1
