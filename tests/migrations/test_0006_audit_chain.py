"""Migration 0006 chains the audit records that existed before it, so `audit verify` holds from day one."""
from __future__ import annotations

import json

from alembic import command
from sqlalchemy import text

from evidence_repo.audit.verify import verify
from evidence_repo.db import make_engine, make_session_factory
from evidence_repo.schema import alembic_config


def test_existing_records_are_chained_and_old_versions_stay_unpublished(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(engine)
    command.upgrade(cfg, "0004")
    with engine.begin() as conn:
        for i in range(1, 4):
            conn.execute(text("INSERT INTO audit_record (id, at, user_id, action, entity, entity_id, before, after) "
                              "VALUES (:id, :at, NULL, 'plan.import', 'plan', 1, NULL, :after)"),
                         {"id": i, "at": f"2019-10-1{i} 12:00:00.000000", "after": json.dumps({"título": f"Meta {i}"})})
    command.upgrade(cfg, "head")
    with make_session_factory(engine)() as session:
        report = verify(session)
        assert report.ok and report.records == 3, report.message()
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_record SET after = '{\"título\": \"otra\"}' WHERE id = 2"))
    with make_session_factory(engine)() as session:
        assert verify(session).broken.record_id == 2


def test_the_chain_migration_runs_on_postgresql(postgres_url):
    engine = make_engine(postgres_url)
    cfg = alembic_config(engine)
    command.upgrade(cfg, "0004")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_record (id, at, user_id, action, entity, entity_id, before, after) "
                          "VALUES (1, '2019-10-11 12:00:00.123456', NULL, 'plan.import', 'plan', 1, NULL, "
                          "'{\"título\": \"Meta\"}')"))
    command.upgrade(cfg, "head")
    with make_session_factory(engine)() as session:
        report = verify(session)
        assert report.ok and report.records == 1, report.message()
    engine.dispose()
