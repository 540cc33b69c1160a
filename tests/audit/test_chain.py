"""The audit log is a hash chain: deleting or editing a row in the database is noticed, naming the record."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text

from evidence_repo.audit import AuditRecord, record
from evidence_repo.audit.verify import verify
from evidence_repo.db import Base, make_engine, make_session_factory
from evidence_repo.services import services
from tests.helpers import upload


@pytest.fixture
def history(app, client, staff_token, make_user):
    """A few real changes: a user, a token, two uploads (the seed plan import is audited too)."""
    upload(client, staff_token, 11, "Informe final", "informe uno")
    upload(client, staff_token, 6, "Lista de asistencia", "lista dos", visibility="restricted")
    make_user("comite@jalisco.gob.mx", "committee")
    with services(app).sessions() as s:
        return s.scalars(select(AuditRecord.id).order_by(AuditRecord.id)).all()


def run_verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_an_untouched_log_verifies(app, history):
    assert len(history) >= 5
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    assert f"{len(history)} registros encadenados" in result.output


def test_deleting_a_row_is_noticed_naming_the_next_record(app, history):
    victim = history[2]
    with services(app).engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_record WHERE id = :id"), {"id": victim})
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"registro #{history[3]}" in result.stderr and f"registro #{history[1]}" in result.stderr
    check = app.test_cli_runner().invoke(args=["check"])
    assert check.exit_code == 1 and f"registro #{history[3]}" in check.stderr


def test_editing_a_row_is_noticed_naming_it(app, history):
    victim = history[-2]
    with services(app).engine.begin() as conn:
        conn.execute(text("UPDATE audit_record SET after = :after WHERE id = :id"),
                     {"id": victim, "after": '{"email": "otra@example.org", "role": "admin"}'})
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"registro #{victim}: su contenido no coincide" in result.stderr


def test_rewriting_a_row_with_a_fresh_hash_breaks_the_next_one(app, history):
    """Recomputing the edited row's own hash does not help: the next record still holds the old one."""
    from evidence_repo.audit.chain import record_hash

    victim = history[1]
    with services(app).sessions() as s:
        row = s.get(AuditRecord, victim)
        row.action = "plan.alterado"
        row.hash = record_hash(row.prev_hash, row.fields())
        s.commit()
    result = run_verify(app)
    assert result.exit_code == 1 and f"registro #{history[2]}" in result.stderr


def _append_concurrently(factory, writers: int = 6, each: int = 8) -> None:
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(each):
                with factory() as s:
                    record(s, None, "test.concurrent", "test", n * 100 + i, after={"n": n, "i": i},
                           actor="prueba")
                    s.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_concurrent_writers_keep_one_chain_on_sqlite(app):
    svc = services(app)
    _append_concurrently(svc.sessions)
    with svc.sessions() as s:
        report = verify(s)
    assert report.ok, report.message()


def test_concurrent_writers_keep_one_chain_on_postgresql(postgres_url):
    engine = make_engine(postgres_url)
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    _append_concurrently(factory)
    with factory() as s:
        report = verify(s)
        assert report.ok and report.records == 48, report.message()
    engine.dispose()
