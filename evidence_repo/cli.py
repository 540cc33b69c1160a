"""Admin commands: `evidence-repo ...`, the same as `flask --app evidence_repo ...`."""
from __future__ import annotations

import signal
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from sqlalchemy import func, select

from evidence_repo import schema, services
from evidence_repo.accounts.models import User
from evidence_repo.accounts.tokens import create_token, revoke_token
from evidence_repo.evidence import integrity
from evidence_repo.evidence.indexing import IndexWorker, reindex
from evidence_repo.evidence.models import ApiToken, Evidence, EvidenceFile
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
        services.search_index(app)  # opened (and rebuilt if missing or corrupt) before any request


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
@click.option("--no-worker", is_flag=True, help="No procesar el texto aquí (se usa `evidence-repo worker` aparte).")
@with_appcontext
def serve_command(host: str, port: int, threads: int, no_worker: bool):
    """Serve the app with waitress (a production WSGI server) and run the index worker beside it."""
    from waitress import serve

    app = current_app._get_current_object()
    initialize(app)
    if not no_worker:
        services.start_worker(app)
    click.echo(f"evidence_repo en http://{host}:{port}/  (datos: {app.config['DATA_DIR']})")
    serve(app, host=host, port=port, threads=threads, ident="evidence_repo",
          max_request_body_size=app.config["MAX_CONTENT_LENGTH"] + 1024 * 1024)


@click.command("worker")
@click.option("--once", is_flag=True, help="Procesar lo pendiente y terminar.")
@click.option("--poll", default=1.0, show_default=True, type=float, help="Segundos entre revisiones de la cola.")
@with_appcontext
def worker_command(once: bool, poll: float):
    """Extract text and update the search index from pending tasks (the index's single writer)."""
    app = current_app._get_current_object()
    schema.upgrade(app.extensions["db_engine"])
    worker = IndexWorker(app.extensions["db_sessions"], services.blob_store(app), services.search_index(app),
                         services.extraction_limits(app))
    try:
        if once:
            click.echo(f"Tareas procesadas: {worker.drain()}")
        else:
            click.echo("Procesando tareas de indexación (Ctrl+C para terminar)…")
            signal.signal(signal.SIGTERM, lambda *_: worker.stop.set() or worker.wake.set())
            worker.run_forever(poll_seconds=poll)
    except KeyboardInterrupt:
        pass
    finally:
        worker.close()


@click.command("reindex")
@click.option("--re-extract", is_flag=True, help="Volver a extraer el texto de todos los archivos guardados.")
@with_appcontext
def reindex_command(re_extract: bool):
    """Rebuild the search index from the database and the stored files."""
    from tqdm import tqdm

    app = current_app._get_current_object()
    schema.upgrade(app.extensions["db_engine"])
    index = services.search_index(app)
    with app.extensions["db_sessions"]() as session:
        total = session.scalar(select(func.count()).select_from(Evidence))
    with tqdm(total=total, unit="doc", desc="Reindexando", disable=None, file=sys.stderr) as bar:
        count = reindex(app.extensions["db_sessions"], services.blob_store(app), index,
                        services.extraction_limits(app), re_extract=re_extract,
                        progress=lambda done: bar.update(done - bar.n))
    click.echo(f"Índice reconstruido: {count} evidencias.")


@click.command("check")
@click.option("--repair", is_flag=True, help="Corregir las diferencias del índice.")
@with_appcontext
def check_command(repair: bool):
    """Compare database, stored files and index, and re-hash every stored file."""
    from tqdm import tqdm

    app = current_app._get_current_object()
    store, index = services.blob_store(app), services.search_index(app)
    with app.extensions["db_sessions"]() as session:
        total = session.scalar(select(func.count()).select_from(EvidenceFile))
        with tqdm(total=total, unit="archivo", desc="Verificando", disable=None, file=sys.stderr) as bar:
            report = integrity.check(session, store, index, progress=bar.update)
    for line in report.lines():
        click.echo(line)
    if repair and (report.missing_from_index or report.extra_in_index):
        count = reindex(app.extensions["db_sessions"], store, index, services.extraction_limits(app))
        click.echo(f"Reparado: índice reconstruido con {count} evidencias.")
        with app.extensions["db_sessions"]() as session:
            report = integrity.check(session, store, index)
    if report.missing_files or report.hash_mismatches:
        click.echo("No se puede reparar automáticamente: restaure los archivos faltantes o alterados desde un "
                   "respaldo.", err=True)
    if not report.ok:
        click.echo("Resultado: HAY PROBLEMAS", err=True)
        sys.exit(1)
    click.echo("Resultado: todo en orden")


@click.command("ingest")
@click.argument("directory", required=False, type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--milestone", type=int, help="Número de meta (con DIRECTORY).")
@click.option("--means", help="Medio de verificación (con DIRECTORY).")
@click.option("--activity", type=int, default=None, help="Id de actividad (opcional).")
@click.option("--visibility", type=click.Choice(["public", "restricted"]), default="public", show_default=True)
@click.option("--manifest", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="CSV con columnas path, milestone, activity, means, title, date, visibility.")
@click.option("--as", "as_email", default=None, help="Correo de la cuenta a la que se atribuye la carga.")
@click.option("--no-index", is_flag=True, help="Dejar el texto y el índice para el worker.")
@with_appcontext
def ingest_command(directory, milestone, means, activity, visibility, manifest, as_email, no_index):
    """Bulk-import files from a folder or a CSV manifest."""
    from tqdm import tqdm

    from evidence_repo.evidence.bulk import ingest_items, items_from_directory, items_from_manifest

    if bool(directory) == bool(manifest):
        raise click.UsageError("Indique DIRECTORY (con --milestone y --means) o --manifest, no ambos.")
    if directory and (milestone is None or not means):
        raise click.UsageError("Con DIRECTORY hacen falta --milestone y --means.")
    app = current_app._get_current_object()
    schema.upgrade(app.extensions["db_engine"])
    try:
        items = (items_from_manifest(manifest) if manifest
                 else items_from_directory(directory, milestone, means, activity, visibility))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    session = db()
    user = None
    if as_email:
        user = session.scalar(select(User).where(User.email == as_email.strip().lower()))
        if user is None:
            raise click.ClickException(f"No existe la cuenta {as_email}")
    with tqdm(total=len(items), unit="archivo", desc="Importando", disable=None, file=sys.stderr) as bar:
        summary = ingest_items(session, services.blob_store(app), items, user,
                               max_bytes=app.config["MAX_UPLOAD_MB"] * 1024 * 1024, progress=bar.update)
    for path, message in summary.failed:
        click.echo(f"  ✗ {path}: {message}", err=True)
    for path, message in summary.duplicates:
        click.echo(f"  = {path}: {message}")
    click.echo(f"Guardados: {len(summary.stored)} · Duplicados: {len(summary.duplicates)} · "
               f"Fallidos: {len(summary.failed)}")
    if summary.stored and not no_index:
        worker = IndexWorker(app.extensions["db_sessions"], services.blob_store(app), services.search_index(app),
                             services.extraction_limits(app))
        try:
            click.echo(f"Texto extraído e indexado: {worker.drain()} tareas.")
        finally:
            worker.close()
    if summary.failed:
        sys.exit(1)


@click.group("token")
def token_group():
    """Personal API tokens."""


@token_group.command("create")
@click.argument("email")
@click.option("--name", default=None, help="Para qué se usa (p. ej. «script de carga»).")
@with_appcontext
def token_create(email: str, name: str | None):
    """Print a new API token for EMAIL (shown only once)."""
    session = db()
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No existe la cuenta {email}")
    token, plaintext = create_token(session, user, name)
    session.commit()
    click.echo(plaintext)
    click.echo(f"Token #{token.id} para {user.email}. Guárdelo: no se volverá a mostrar.", err=True)


@token_group.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def token_revoke(token_id: int):
    """Revoke a token by its number."""
    session = db()
    token = revoke_token(session, token_id)
    if token is None:
        raise click.ClickException(f"No existe el token #{token_id}")
    session.commit()
    click.echo(f"Token #{token_id} revocado.")


@token_group.command("list")
@with_appcontext
def token_list():
    """List tokens (never their secret)."""
    for t in db().scalars(select(ApiToken).order_by(ApiToken.id)):
        state = "revocado" if t.revoked_at else "activo"
        click.echo(f"#{t.id}\t{t.user.email}\t{t.prefix}…\t{state}\t{t.name or ''}")


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


def register_commands(app: Flask) -> None:
    from evidence_repo.compliance.cli import report_command

    for command in (init_command, serve_command, worker_command, reindex_command, check_command, ingest_command,
                    report_command, token_group, user_group, plan_group):
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
