"""Migration 0004 keeps existing data: slugs from titles (the seed's own), no scope changes meaning, the schema
matches the models."""
from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from evidence_repo.db import Base, make_engine
from evidence_repo.schema import alembic_config
from tests.conftest import DATABASES

SEED_PLAN = "Segundo Plan de Acción Local de Gobierno Abierto 2019 “Instituciones abiertas contra la corrupción”"
SEED_COMMITMENT = ("Análisis del programa “Apoyo a las organizaciones de la sociedad civil” para la propuesta de un "
                   "modelo integral de rendición de cuentas y transparencia de programas sociales")


def rows(conn, sql):
    return [tuple(r) for r in conn.execute(text(sql))]


@pytest.fixture(params=DATABASES)
def empty_url(request, tmp_path) -> str:
    """An empty database of each kind the run tests (the migrations run on SQLite and on PostgreSQL)."""
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path / 'old.db'}"


def test_upgrade_from_0003_keeps_the_data_and_matches_the_models(empty_url):
    engine = make_engine(empty_url)
    sqlite = engine.dialect.name == "sqlite"
    cfg = alembic_config(engine)
    command.upgrade(cfg, "0003")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO plan (id, title, jurisdiction) VALUES (1, :t, 'Jalisco'), "
                          "(2, 'Plan Becas 2025', NULL)"), {"t": SEED_PLAN})
        for cid, pid, title in [(1, 1, SEED_COMMITMENT), (2, 2, "Padrón abierto"), (3, 2, "Padrón abierto")]:
            conn.execute(text("INSERT INTO commitment (id, plan_id, title, government_bodies, civil_society, "
                              "ogp_values) VALUES (:id, :p, :t, '[]', '[]', '[]')"), {"id": cid, "p": pid, "t": title})
        conn.execute(text("INSERT INTO milestone (id, commitment_id, number, objective, responsible) "
                          "VALUES (1, 1, 3, 'Reunión', '[]')"))
        conn.execute(text("INSERT INTO activity (id, milestone_id, position, name, responsible) "
                          "VALUES (1, 1, 0, 'Sesión', '[]')"))
        conn.execute(text("INSERT INTO verification_means (id, name, key, aliases) VALUES (1, 'Minuta', 'minuta', "
                          "'[]'), (2, 'Informe final', 'informe final', '[]')"))
        conn.execute(text("INSERT INTO requirement (id, milestone_id, activity_id, means_id, position) "
                          "VALUES (1, 1, NULL, 1, 0), (2, 1, NULL, 2, 1), (3, 1, 1, 1, 2)"))
        conn.execute(text("INSERT INTO evidence (id, milestone_id, activity_id, means_id, title, visibility, "
                          "created_at, updated_at) VALUES (1, 1, 1, 1, 'Minuta', 'public', '2019-10-17 12:00:00', "
                          "'2019-10-17 12:00:00')"))

    command.upgrade(cfg, "head")

    with engine.connect() as conn:
        assert rows(conn, "SELECT id, slug, archived FROM plan ORDER BY id") == [
            (1, "plan-accion-local-jalisco-2019", False), (2, "plan-becas-2025", False)]
        assert rows(conn, "SELECT id, slug, position FROM commitment ORDER BY id") == [
            (1, "jalisco-apoyo-organizaciones-sociedad-civil", 0), (2, "padron-abierto", 0),
            (3, "padron-abierto-2", 1)]
        # what each requirement meant before: a milestone's once per milestone, an activity's for that activity
        assert rows(conn, "SELECT id, scope FROM requirement ORDER BY id") == [
            (1, "milestone"), (2, "milestone"), (3, "each_activity")]
        assert rows(conn, "SELECT id, milestone_id, activity_id FROM evidence") == [(1, 1, 1)]
        assert rows(conn, "SELECT count(*) FROM plan_change") == [(0,)]
        if sqlite:
            assert rows(conn, "PRAGMA foreign_keys") == [(1,)]  # switched off for the migration only
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == []

    command.downgrade(cfg, "0003")
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert rows(conn, "SELECT slug FROM commitment ORDER BY id")[2] == ("padron-abierto-2",)
    engine.dispose()
