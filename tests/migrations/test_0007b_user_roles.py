"""Migration 0007b: every existing user keeps its one role (now a set of one) and its sessions stay valid."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from evidence_repo.db import Base, make_engine
from evidence_repo.schema import alembic_config


def test_existing_users_keep_their_role(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(engine)
    command.upgrade(cfg, "0004")
    with engine.begin() as conn:
        for uid, email, role in [(1, "a@x.mx", "admin"), (2, "s@x.mx", "staff"), (3, "c@x.mx", "committee")]:
            conn.execute(text("INSERT INTO user (id, email, password_hash, role, active, created_at) "
                              "VALUES (:i, :e, 'h', :r, 1, '2026-01-01 00:00:00')"), {"i": uid, "e": email, "r": role})
        conn.execute(text("INSERT INTO api_token (id, user_id, token_hash, prefix, created_at) "
                          "VALUES (1, 2, 'abc', 'er_x', '2026-01-01 00:00:00')"))

    command.upgrade(cfg, "head")  # through 0007b, and whatever follows it

    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(text("SELECT user_id, role FROM user_role ORDER BY user_id"))] == [
            (1, "admin"), (2, "staff"), (3, "committee")]
        assert [tuple(r) for r in conn.execute(text("SELECT id, session_version FROM user ORDER BY id"))] == [
            (1, 1), (2, 1), (3, 1)]
        assert [tuple(r) for r in conn.execute(text("SELECT id, user_id FROM api_token"))] == [(1, 2)]
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == []

    command.downgrade(cfg, "0004")
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(text("SELECT id, role FROM user ORDER BY id"))] == [
            (1, "admin"), (2, "staff"), (3, "committee")]
