"""Migration 0009b: existing evidence keeps its files (no public copy yet, no versión pública); the schema then
matches the models, and the downgrade gives the old one back."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from evidence_repo.db import Base, make_engine
from evidence_repo.schema import alembic_config


def test_existing_files_are_kept_and_the_schema_matches(tmp_path, seed):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(engine)
    command.upgrade(cfg, "0009")
    with engine.begin() as conn:
        seed(conn, means="Memoria", title="Foto", visibility="public")
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
