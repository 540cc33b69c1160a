"""Evidence commands: the index worker, reindex, integrity check and bulk ingest."""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from evidence_repo.accounts.models import User
from evidence_repo.audit import record
from evidence_repo.audit.verify import verify as verify_audit_chain
from evidence_repo.bootstrap import ensure_index, log_to_stderr, migrate
from evidence_repo.db import db
from evidence_repo.evidence import integrity
from evidence_repo.evidence.indexing import reindex, rewrite_documents
from evidence_repo.evidence.models import Evidence, EvidenceFile
from evidence_repo.services import services


def _app() -> Flask:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app


@click.command("worker")
@click.option("--once", is_flag=True, help="Procesar lo pendiente y terminar.")
@click.option("--poll", default=1.0, show_default=True, type=float, help="Segundos entre revisiones de la cola.")
@with_appcontext
def worker_command(once: bool, poll: float) -> None:
    """Extract text and update the search index from pending tasks (the index's single writer)."""
    log_to_stderr()
    svc = services(_app())
    migrate(svc)
    ensure_index(svc)
    worker = svc.new_worker()
    try:
        if once:
            click.echo(f"Tareas procesadas: {worker.drain()}")
        else:
            click.echo("Procesando tareas de indexación (Ctrl+C para terminar)…")
            def _stop(*_: object) -> None:
                worker.stop.set()
                worker.wake.set()

            signal.signal(signal.SIGTERM, _stop)
            worker.run_forever(poll_seconds=poll)
    except KeyboardInterrupt:
        pass
    finally:
        worker.close()


@click.command("reindex")
@click.option("--re-extract", is_flag=True, help="Volver a extraer el texto de todos los archivos guardados.")
@click.option("--only-low-quality", is_flag=True,
              help="Con --re-extract: solo los escaneos con texto de baja calidad (confianza OCR baja).")
@click.option("--procs", type=click.IntRange(1, 64), default=lambda: min(4, os.cpu_count() or 1),
              show_default="núcleos del equipo, hasta 4",
              help="Procesos que analizan el texto a la vez (el índice se reconstruye antes con varios).")
@with_appcontext
def reindex_command(re_extract: bool, only_low_quality: bool, procs: int) -> None:
    """Rebuild the search index from the database and the stored files."""
    if only_low_quality and not re_extract:
        raise click.UsageError("--only-low-quality solo tiene sentido con --re-extract.")
    from tqdm import tqdm

    svc = services(_app())
    migrate(svc)
    with svc.sessions() as session:
        total = session.scalar(select(func.count()).select_from(Evidence))
    with tqdm(total=total, unit="doc", desc="Reindexando", disable=None, file=sys.stderr) as bar:
        count = reindex(svc.sessions, svc.blobs, svc.index(), svc.limits, re_extract=re_extract,
                        only_low_quality=only_low_quality, progress=lambda done: bar.update(done - bar.n),
                        procs=procs)
    svc.mark_index_fresh()
    _audit_index(svc, "index.rebuild", count, re_extract=re_extract)
    click.echo(f"Índice reconstruido: {count} evidencias.")


def _audit_index(svc, action: str, count: int, **details: object) -> None:
    """Rebuilding or repairing the index is a state change too: one audit record, committed at once."""
    with svc.sessions() as session:
        record(session, None, action, "index", None, after={"evidence": count, **details})
        session.commit()


@click.command("check")
@click.option("--repair", is_flag=True,
              help="Corregir las diferencias del índice (faltantes, sobrantes, visibilidad, título, compromiso) "
                   "y borrar los archivos rechazados caducados.")
@with_appcontext
def check_command(repair: bool) -> None:
    """Compare database, stored files and index, and re-hash every stored file."""
    from tqdm import tqdm

    svc = services(_app())
    store, index = svc.blobs, svc.index()
    with svc.sessions() as session:
        total = session.scalar(select(func.count()).select_from(EvidenceFile))
        with tqdm(total=total, unit="archivo", desc="Verificando", disable=None, file=sys.stderr) as bar:
            report = integrity.check(session, store, index, progress=bar.update)
    for line in report.lines():
        click.echo(line)
    with svc.sessions() as session:
        chain = verify_audit_chain(session)
    click.echo(chain.message(), err=not chain.ok)
    if repair and report.expired_refused:
        with svc.sessions() as session:
            click.echo(f"Reparado: {integrity.remove_expired_refusals(session, store)} archivos rechazados borrados.")
            report = integrity.check(session, store, index)
    if repair and report.drifted:
        rewritten = rewrite_documents(svc.sessions, index, report.drifted)
        click.echo(f"Reparado: {rewritten} evidencias reescritas en el índice como están en la base de datos.")
        with svc.sessions() as session:
            report = integrity.check(session, store, index)
    if repair and (report.missing_from_index or report.extra_in_index):
        count = reindex(svc.sessions, store, index, svc.limits)
        svc.mark_index_fresh()
        _audit_index(svc, "index.repair", count, missing=report.missing_from_index[:100],
                     extra=report.extra_in_index[:100])
        click.echo(f"Reparado: índice reconstruido con {count} evidencias.")
        with svc.sessions() as session:
            report = integrity.check(session, store, index)
    if report.missing_files or report.hash_mismatches:
        click.echo("No se puede reparar automáticamente: restaure los archivos faltantes o alterados desde un "
                   "respaldo.", err=True)
    if not report.ok or not chain.ok:
        click.echo("Resultado: HAY PROBLEMAS", err=True)
        sys.exit(1)
    click.echo("Resultado: todo en orden")


@click.command("ingest")
@click.argument("directory", required=False, type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--milestone", type=int, help="Número de meta (con DIRECTORY).")
@click.option("--means", help="Medio de verificación (con DIRECTORY).")
@click.option("--activity", type=int, default=None, help="Id de actividad (opcional).")
@click.option("--commitment", default=None,
              help="Slug del compromiso de la meta (necesario cuando hay más de un compromiso).")
@click.option("--visibility", type=click.Choice(["public", "restricted"]), default="public", show_default=True)
@click.option("--manifest", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="CSV con columnas path, milestone, activity, means, title, date, visibility "
                   "(y commitment, cuando hay más de un compromiso).")
@click.option("--as", "as_email", default=None, help="Correo de la cuenta a la que se atribuye la carga.")
@click.option("--no-index", is_flag=True, help="Dejar el texto y el índice para el worker.")
@with_appcontext
def ingest_command(directory: Path | None, milestone: int | None, means: str | None, activity: int | None,
                   commitment: str | None, visibility: str, manifest: Path | None, as_email: str | None,
                   no_index: bool) -> None:
    """Bulk-import files from a folder or a CSV manifest."""
    from tqdm import tqdm

    from evidence_repo.evidence.bulk import ingest_items, items_from_directory, items_from_manifest

    if bool(directory) == bool(manifest):
        raise click.UsageError("Indique DIRECTORY (con --milestone y --means) o --manifest, no ambos.")
    if directory and (milestone is None or not means):
        raise click.UsageError("Con DIRECTORY hacen falta --milestone y --means.")
    app = _app()
    svc = services(app)
    migrate(svc)
    try:
        items = (items_from_manifest(manifest, commitment) if manifest
                 else items_from_directory(directory, milestone, means, activity, visibility,  # type: ignore[arg-type]
                                           commitment=commitment))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    session = db()
    user = None
    if as_email:
        user = session.scalar(select(User).where(User.email == as_email.strip().lower()))
        if user is None:
            raise click.ClickException(f"No existe la cuenta {as_email}")
    with tqdm(total=len(items), unit="archivo", desc="Importando", disable=None, file=sys.stderr) as bar:
        summary = ingest_items(session, svc.blobs, items, user,
                               max_bytes=app.config["MAX_UPLOAD_MB"] * 1024 * 1024, progress=bar.update)
    for path, message in summary.failed:
        click.echo(f"  ✗ {path}: {message}", err=True)
    for path, message in summary.duplicates:
        click.echo(f"  = {path}: {message}")
    click.echo(f"Guardados: {len(summary.stored)} · Duplicados: {len(summary.duplicates)} · "
               f"Fallidos: {len(summary.failed)}")
    if summary.stored and not no_index:
        worker = svc.new_worker()
        try:
            click.echo(f"Texto extraído e indexado: {worker.drain()} tareas.")
        finally:
            worker.close()
    if summary.failed:
        sys.exit(1)


COMMANDS = (worker_command, reindex_command, check_command, ingest_command)
