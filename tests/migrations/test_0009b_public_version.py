"""Migration 0009b: existing evidence keeps its files (no public copy yet, no versión pública); the schema then
matches the models, and the downgrade gives the old one back."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from evidence_repo.db import Base, make_engine
from evidence_repo.schema import alembic_config


def test_existing_files_are_kept_and_the_schema_matches(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(engine)
    command.upgrade(cfg, "0009")
    with engine.begin() as conn:
        for statement in (
                "INSERT INTO plan (id, title, slug) VALUES (1, 'Plan', 'plan')",
                "INSERT INTO commitment (id, plan_id, title, government_bodies, civil_society, ogp_values, slug) "
                "VALUES (1, 1, 'Compromiso', '[]', '[]', '[]', 'c')",
                "INSERT INTO milestone (id, commitment_id, number, objective, responsible) VALUES (1, 1, 1, 'M', 'R')",
                "INSERT INTO verification_means (id, name, key, aliases) VALUES (1, 'Memoria', 'memoria', '[]')",
                "INSERT INTO evidence (id, milestone_id, means_id, title, visibility, created_at, updated_at) "
                "VALUES (1, 1, 1, 'Foto', 'public', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"):
            conn.execute(text(statement))
        conn.execute(text("INSERT INTO evidence_file (id, evidence_id, version, sha256, size, mime_type, "
                          "original_name, uploaded_at, text_status, published) VALUES (1, 1, 1, :sha, 3, "
                          "'image/jpeg', 'foto.jpg', '2026-01-01 00:00:00', 'extracted', 0)"), {"sha": "a" * 64})

    command.upgrade(cfg, "head")

    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(text("SELECT id, sha256, public_sha256 FROM evidence_file"))] == [
            (1, "a" * 64, None)]
        assert conn.execute(text("SELECT count(*) FROM public_version")).scalar() == 0
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == []

    command.downgrade(cfg, "0009")
    with engine.connect() as conn:
        assert "public_version" not in inspect(conn).get_table_names()
        assert [tuple(r) for r in conn.execute(text("SELECT id, sha256 FROM evidence_file"))] == [(1, "a" * 64)]
