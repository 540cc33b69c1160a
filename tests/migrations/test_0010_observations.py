"""Migration 0010: the observations table arrives on a database that already has a plan, and leaves it intact
on the way back down."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from evidence_repo.db import Base, make_engine
from evidence_repo.schema import alembic_config


def test_observations_table_comes_and_goes_without_touching_the_plan(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(engine)
    command.upgrade(cfg, "0009b")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO plan (id, slug, title, archived) VALUES (1, 'p', 'Plan', 0)"))
        conn.execute(text("INSERT INTO commitment (id, plan_id, slug, title, government_bodies, civil_society, "
                          "ogp_values) VALUES (1, 1, 'c', 'Compromiso', '[]', '[]', '[]')"))
        conn.execute(text("INSERT INTO milestone (id, commitment_id, number, objective, responsible) "
                          "VALUES (1, 1, 6, 'Meta seis', '[]')"))

    command.upgrade(cfg, "0010")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO observation (milestone_id, text, status, personal_data, created_at) "
                          "VALUES (1, '¿Y la minuta?', 'recibida', '[]', '2026-12-01 00:00:00')"))
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT text FROM observation")).scalar_one() == "¿Y la minuta?"
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata) == []

    command.downgrade(cfg, "0009b")
    assert "observation" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT objective FROM milestone")).scalar_one() == "Meta seis"
