"""`evidence-repo migrate-to DATABASE_URL`: move an installation to another database (e.g. SQLite → PostgreSQL).

Every table the models know (plans, evidence and their versions, reviews, the audit trail, users, API tokens,
the index queue…) is copied row by row with its ids, in foreign-key order, into a target that is migrated to
the same schema and must be empty; PostgreSQL's id sequences are then moved past the copied ids. The stored
files stay where they are (both databases point at the same data folder). The search index is rebuilt for the
target afterwards, and ``evidence-repo check`` against the target confirms database = files = index.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import Table, func, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from evidence_repo import schema
from evidence_repo.db import Base, make_engine

BATCH = 1000


class TargetNotEmpty(Exception):
    """The target already holds data: copying would mix two installations."""


@dataclass
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)  # parents before children


def ensure_empty(target: Engine) -> None:
    """Refuse a target that has rows in any of the app's tables (an empty, or freshly migrated, one is fine)."""
    existing = set(inspect(target).get_table_names())
    with target.connect() as conn:
        for table in _tables():
            if table.name in existing and conn.scalar(select(func.count()).select_from(table)):
                raise TargetNotEmpty(f"la base de datos de destino ya tiene datos (tabla {table.name})")


def reset_sequences(target: Engine) -> None:
    """PostgreSQL hands out ids from sequences, which copying explicit ids does not move."""
    if target.dialect.name != "postgresql":
        return
    with target.begin() as conn:
        for table in _tables():
            if "id" not in table.c or not table.c.id.primary_key:
                continue
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "  # noqa: S608 (table names)
                f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)"))


def copy_database(source: Engine, target: Engine, progress: Callable[[str, int], None] | None = None) -> CopyReport:
    """Migrate the target, check it is empty, copy every table with its ids, reset sequences.

    One transaction on the target: a failure leaves it empty (and migrated), ready for another attempt.
    """
    schema.upgrade(target)
    ensure_empty(target)
    report = CopyReport()
    with source.connect() as src, target.begin() as dst:
        for table in _tables():
            count = 0
            result = src.execution_options(stream_results=True).execute(select(table).order_by(*table.primary_key))
            while rows := result.fetchmany(BATCH):
                dst.execute(table.insert(), [row._asdict() for row in rows])
                count += len(rows)
                if progress:
                    progress(table.name, len(rows))
            report.rows[table.name] = count
    reset_sequences(target)
    return report


@click.command("migrate-to")
@click.argument("database_url")
@with_appcontext
def migrate_to_command(database_url: str) -> None:
    """Copy this installation's database into another, empty one (e.g. PostgreSQL) and build its index.

    Afterwards start every process with DATABASE_URL set to the new database.
    """
    from evidence_repo.bootstrap import migrate
    from evidence_repo.evidence.indexing import reindex
    from evidence_repo.services import Services, services

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    svc = services(app)
    if database_url == str(app.config["DATABASE_URL"]):
        raise click.ClickException("El destino es la base de datos actual.")
    migrate(svc)
    try:
        target = make_engine(database_url)
    except Exception as exc:  # noqa: BLE001  (a malformed URL or a missing driver)
        raise click.ClickException(f"No se puede usar {database_url!r}: {exc}") from None
    try:
        report = copy_database(svc.engine, target)
    except TargetNotEmpty as exc:
        raise click.ClickException(f"No se copió nada: {exc}.") from None
    except OperationalError as exc:
        raise click.ClickException(f"No se copió nada: no se puede usar la base de datos de destino "
                                   f"({str(exc.orig).strip()}).") from None
    finally:
        target.dispose()
    for name, count in report.rows.items():
        click.echo(f"{name}: {count}")
    click.echo(f"Filas copiadas: {report.total}")
    moved = Services.from_config({**app.config, "DATABASE_URL": database_url})
    try:
        count = reindex(moved.sessions, moved.blobs, moved.index(), moved.limits)
        moved.mark_index_fresh()
    finally:
        moved.close()
    click.echo(f"Índice reconstruido: {count} evidencias.")
    click.echo(f"Listo. Use DATABASE_URL={database_url} en cada proceso y compruebe con `evidence-repo check`.")


COMMANDS = (migrate_to_command,)
