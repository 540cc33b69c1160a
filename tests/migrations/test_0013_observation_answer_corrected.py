"""Migration 0013: existing answers keep their date and are not corrected; the column goes on the way down."""
from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text


def test_existing_answers_keep_their_date(database_at, seed):
    engine, cfg = database_at("0012")
    with engine.begin() as conn:
        seed(conn)
        conn.execute(text("INSERT INTO observation (id, milestone_id, text, status, personal_data, created_at, "
                          "answer, answered_at) VALUES (1, 1, '¿Cuándo?', 'respondida', '[]', "
                          "'2026-01-02 00:00:00', 'El lunes.', '2026-01-03 00:00:00')"))

    command.upgrade(cfg, "0013")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT answer, answered_at, answer_corrected_at FROM observation")).one()
        assert (row[0], str(row[1])[:10], row[2]) == ("El lunes.", "2026-01-03", None)

    command.downgrade(cfg, "0012")
    assert "answer_corrected_at" not in {c["name"] for c in inspect(engine).get_columns("observation")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT answer FROM observation")).scalar_one() == "El lunes."
