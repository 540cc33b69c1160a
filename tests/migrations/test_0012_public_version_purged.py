"""Migration 0012: existing versiones públicas keep their bytes (not purged) and come back intact on the way down."""
from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text


def test_existing_public_versions_are_not_purged(database_at, seed):
    engine, cfg = database_at("0011")
    with engine.begin() as conn:
        seed(conn)
        conn.execute(text("INSERT INTO public_version (id, evidence_id, sha256, size, mime_type, original_name, "
                          "uploaded_at, text_status, text) VALUES (1, 1, 'b', 3, 'text/plain', 'testada.txt', "
                          "'2026-01-02 00:00:00', 'extracted', 'Lista testada')"))

    command.upgrade(cfg, "0012")
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(text("SELECT id, sha256, text, purged_at FROM public_version"))] == [
            (1, "b", "Lista testada", None)]

    command.downgrade(cfg, "0011")
    assert "purged_at" not in {c["name"] for c in inspect(engine).get_columns("public_version")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT text FROM public_version")).scalar_one() == "Lista testada"
