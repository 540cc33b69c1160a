"""One transaction per request: committed after a successful view, undone when it fails."""
import pytest
from flask import Blueprint, abort
from sqlalchemy import select

from evidence_repo.audit import AuditRecord, record
from evidence_repo.db import db, savepoint
from evidence_repo.extensions import csrf


@pytest.fixture
def probe(app):
    """A few views that write an audit record and then succeed, fail or fail half-way."""
    bp = Blueprint("probe", __name__)

    @bp.post("/probe/ok")
    def ok():
        record(db(), None, "probe.ok", "probe", 1)
        return "ok"

    @bp.post("/probe/crash")
    def crash():
        record(db(), None, "probe.crash", "probe", 2)
        db().flush()
        raise RuntimeError("a bug after a write")

    @bp.post("/probe/abort")
    def aborted():
        record(db(), None, "probe.abort", "probe", 3)
        abort(409)

    @bp.post("/probe/partial")
    def partial():
        for n in (4, 5, 6):
            try:
                with savepoint():
                    record(db(), None, "probe.partial", "probe", n)
                    db().flush()
                    if n == 5:
                        raise ValueError("this one is bad")
            except ValueError:
                pass
        return "partial"

    csrf.exempt(bp)
    app.register_blueprint(bp)
    return app.test_client()


def actions(session):
    session.expire_all()
    return [(a.action, a.entity_id) for a in session.scalars(
        select(AuditRecord).where(AuditRecord.entity == "probe").order_by(AuditRecord.id))]


def test_a_successful_request_is_committed(probe, session):
    assert probe.post("/probe/ok").status_code == 200
    assert actions(session) == [("probe.ok", 1)]


def test_a_crashing_request_changes_nothing(probe, session):
    r = probe.post("/probe/crash")
    assert r.status_code == 500 and "error inesperado" in r.get_data(as_text=True)
    assert probe.post("/probe/abort").status_code == 409
    assert actions(session) == []


def test_savepoints_undo_only_their_part(probe, session):
    assert probe.post("/probe/partial").status_code == 200
    assert actions(session) == [("probe.partial", 4), ("probe.partial", 6)]


def test_a_failed_commit_is_an_error_not_a_success(app, probe, session, monkeypatch):
    from sqlalchemy.orm import Session

    def broken_commit(self):
        raise RuntimeError("disk full")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production
    monkeypatch.setattr(Session, "commit", broken_commit)
    r = probe.post("/probe/ok")
    monkeypatch.undo()
    assert r.status_code == 500
    assert actions(session) == []


def test_no_import_cycle_between_the_app_and_the_cli():
    import subprocess
    import sys

    code = ("import sys, evidence_repo.app; "
            "assert 'evidence_repo.cli' not in sys.modules, 'the app imports the CLI'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_writers_take_turns_and_the_second_reads_what_the_first_committed(app):
    """begin_write is a lock across processes on both databases (BEGIN IMMEDIATE; an advisory lock on
    PostgreSQL), so a writer that reads "the current version" after taking it cannot read a stale one."""
    import threading
    import time

    from evidence_repo.db import begin_write
    from evidence_repo.services import services

    sessions = services(app).sessions
    first = sessions()
    begin_write(first)
    record(first, None, "probe.first", "probe", 1)
    first.flush()
    seen = []

    def second_writer():
        with sessions() as second:
            begin_write(second)  # waits for the first writer to finish
            seen.append(len(actions(second)))
            second.rollback()

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive() and seen == []  # still waiting
    first.commit()
    first.close()
    thread.join(10)
    assert seen == [1]
