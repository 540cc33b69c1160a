"""Admin commands: `evidence-repo ...`, the same as `flask --app evidence_repo ...`."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from evidence_repo import schema
from evidence_repo.accounts.operations import AccountError, create_user
from evidence_repo.database import db
from evidence_repo.plan.document import PlanFileError, dump_plan, load_plan_file
from evidence_repo.plan.operations import export_plan, import_plan, plan_exists, seed_plan_document


def initialize(app: Flask) -> bool:
    """Create or migrate the schema, then load the seed plan into an empty database. Returns True if seeded."""
    schema.upgrade(app.extensions["db_engine"])
    session = app.extensions["db_sessions"]()
    try:
        if plan_exists(session):
            return False
        import_plan(session, seed_plan_document())
        session.commit()
        return True
    finally:
        session.close()


@click.command("init")
@with_appcontext
def init_command():
    """Create or migrate the database and load the seed plan when it is empty."""
    seeded = initialize(current_app)
    click.echo(f"Base de datos lista en {current_app.config['DATA_DIR']}")
    click.echo("Plan semilla cargado." if seeded else "El plan ya estaba cargado; no se modificó.")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int, threads: int):
    """Serve the app with waitress (a production WSGI server)."""
    from waitress import serve

    app = current_app._get_current_object()
    initialize(app)
    click.echo(f"evidence_repo en http://{host}:{port}/  (datos: {app.config['DATA_DIR']})")
    serve(app, host=host, port=port, threads=threads, ident="evidence_repo")


@click.group("user")
def user_group():
    """Manage accounts."""


@user_group.command("add")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["admin", "staff", "committee"]))
@click.option("--name", default=None, help="Nombre para mostrar.")
@click.option("--password-stdin", is_flag=True, help="Leer la contraseña de la entrada estándar.")
@with_appcontext
def user_add(email: str, role: str, name: str | None, password_stdin: bool):
    """Create an account; the password is prompted for (or read from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Contraseña", hide_input=True, confirmation_prompt="Repita la contraseña")
    session = db()
    try:
        user = create_user(session, email, password, role, name=name)
        session.commit()
    except AccountError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(f"Cuenta creada: {user.email} ({user.role})")


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
    schema.upgrade(current_app.extensions["db_engine"])
    session = db()
    try:
        summary = import_plan(session, document)
        session.commit()
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


def register_commands(app: Flask) -> None:
    for command in (init_command, serve_command, user_group, plan_group):
        app.cli.add_command(command)


def _create_app():
    from evidence_repo.app import create_app

    return create_app()


main = FlaskGroup(
    name="evidence-repo",
    help="evidence_repo: repositorio de evidencias de gobierno abierto.",
    create_app=_create_app,
    add_default_commands=False,
    load_dotenv=False,
)
