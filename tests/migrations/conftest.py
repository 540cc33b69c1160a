"""Shared set-up of the migration tests: a database at an old revision holding one evidence of a small plan."""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from evidence_repo.db import make_engine
from evidence_repo.schema import alembic_config


def seed_one_evidence(conn, *, means: str = "Lista", title: str = "Lista", visibility: str = "restricted") -> None:
    """Plan 1 > commitment 1 > milestone 1 > evidence 1 (of means 1), in plain SQL: the models describe the newest
    schema, not the revision under test."""
    for statement in (
            "INSERT INTO plan (id, title, slug) VALUES (1, 'Plan', 'plan')",
            "INSERT INTO commitment (id, plan_id, title, government_bodies, civil_society, ogp_values, slug) "
            "VALUES (1, 1, 'Compromiso', '[]', '[]', '[]', 'c')",
            "INSERT INTO milestone (id, commitment_id, number, objective, responsible) VALUES (1, 1, 1, 'M', '["R"]')"):
        conn.execute(text(statement))
    conn.execute(text("INSERT INTO verification_means (id, name, key, aliases) VALUES (1, :name, :key, '[]')"),
                 {"name": means, "key": means.lower()})
    conn.execute(text("INSERT INTO evidence (id, milestone_id, means_id, title, visibility, created_at, updated_at) "
                      "VALUES (1, 1, 1, :title, :visibility, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"),
                 {"title": title, "visibility": visibility})


@pytest.fixture
def seed():
    return seed_one_evidence


@pytest.fixture
def database_at(tmp_path):
    """``database_at("0011")``: (engine, alembic config) of a new SQLite file migrated up to that revision."""
    def make(revision: str):
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        cfg = alembic_config(engine)
        command.upgrade(cfg, revision)
        return engine, cfg
    return make
