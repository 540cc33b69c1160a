"""Plan commands: import and export the action plan as a file."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from evidence_repo.bootstrap import migrate
from evidence_repo.db import db
from evidence_repo.plan.document import PlanFileError, dump_plan, load_plan_file
from evidence_repo.plan.operations import export_plan, import_plan
from evidence_repo.services import services


@click.group("plan")
def plan_group():
    """Import or export the action plan."""


@plan_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Sólo validar el archivo.")
@with_appcontext
def plan_import(file: Path, dry_run: bool):
    """Load a plan file (YAML or JSON). Invalid files change nothing."""
    try:
        document = load_plan_file(file)
    except PlanFileError as exc:
        click.echo(f"El archivo de plan no es válido ({len(exc.problems)} problema(s)):", err=True)
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)
    if dry_run:
        click.echo(f"Archivo válido: {len(document.commitment.milestones)} metas.")
        return
    migrate(services())
    session = db()
    try:
        summary = import_plan(session, document)
        session.commit()
    except PlanFileError as exc:
        session.rollback()
        click.echo("No se importó el plan:", err=True)
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)
    except Exception:
        session.rollback()
        raise
    click.echo(
        f"Plan importado: {summary.milestones} metas, {summary.activities} actividades, "
        f"{summary.requirements} requisitos, {summary.means} medios de verificación."
    )


@plan_group.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default=None)
@with_appcontext
def plan_export(output: Path | None, fmt: str | None):
    """Write the plan as YAML (default) or JSON, to a file or stdout."""
    fmt = fmt or ("json" if output and output.suffix.lower() == ".json" else "yaml")
    try:
        text = dump_plan(export_plan(db()), fmt)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Plan exportado a {output}", err=True)
    else:
        click.echo(text, nl=False)


COMMANDS = (plan_group,)
