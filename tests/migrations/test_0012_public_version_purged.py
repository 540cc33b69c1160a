"""Migration 0012: existing versiones públicas keep their bytes (not purged) and come back intact on the way down."""
from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from evidence_repo.db import make_engine
from evidence_repo.schema import alembic_config


def test_existing_public_versions_are_not_purged(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(engine)
    command.upgrade(cfg, "0011")
    with engine.begin() as conn:
        for statement in (
                "INSERT INTO plan (id, title, slug) VALUES (1, 'Plan', 'plan')",
                "INSERT INTO commitment (id, plan_id, title, government_bodies, civil_society, ogp_values, slug) "
                "VALUES (1, 1, 'Compromiso', '[]', '[]', '[]', 'c')",
                "INSERT INTO milestone (id, commitment_id, number, objective, responsible) VALUES (1, 1, 1, 'M', 'R')",
                "INSERT INTO verification_means (id, name, key, aliases) VALUES (1, 'Lista', 'lista', '[]')",
                "INSERT INTO evidence (id, milestone_id, means_id, title, visibility, created_at, updated_at) "
                "VALUES (1, 1, 1, 'Lista', 'restricted', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                "INSERT INTO public_version (id, evidence_id, sha256, size, mime_type, original_name, uploaded_at, "
                "text_status, text) VALUES (1, 1, 'b', 3, 'text/plain', 'testada.txt', '2026-01-02 00:00:00', "
                "'extracted', 'Lista testada')"):
            conn.execute(text(statement))

    command.upgrade(cfg, "0012")
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(text("SELECT id, sha256, text, purged_at FROM public_version"))] == [
            (1, "b", "Lista testada", None)]

    command.downgrade(cfg, "0011")
    assert "purged_at" not in {c["name"] for c in inspect(engine).get_columns("public_version")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT text FROM public_version")).scalar_one() == "Lista testada"
