from alembic import context

import evidence_repo.models  # noqa: F401
from evidence_repo.db import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite alters a table by copying it and dropping the original (Alembic's batch mode), which foreign keys
        # pointing at it would forbid. The pragma only takes effect outside a transaction; the keys are checked
        # once the migrations ran, and switched back on for whoever uses this pooled connection next.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        # Several processes may start at once (web and workers on different machines): one migrates, the others
        # wait here and then find the schema up to date.
        connection.exec_driver_sql("SELECT pg_advisory_lock(1702260589)")
        connection.commit()
    try:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:10]}")
        connection.commit()
    finally:
        if postgres:
            connection.rollback()
            connection.exec_driver_sql("SELECT pg_advisory_unlock(1702260589)")
            connection.commit()
        if sqlite:
            connection.rollback()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
