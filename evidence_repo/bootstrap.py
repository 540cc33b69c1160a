"""Start-up, in one place for the server, the CLI and the tests: migrate, load the seed, tidy, open the index.

Also the two commands that start things: ``init`` and ``serve``.
"""
from __future__ import annotations

import gc
import logging
import time

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from evidence_repo import schema
from evidence_repo.evidence.indexing import reindex
from evidence_repo.plan.importing import import_plan
from evidence_repo.plan.operations import plan_exists, seed_plan_document
from evidence_repo.services import Services, services

log = logging.getLogger(__name__)


def log_to_stderr() -> None:
    """What a long-running process does (batches indexed, the index read ahead, uploads cleaned up) as INFO lines
    on standard error, for the operator or the service manager's journal; unless logging was set up already."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def migrate(svc: Services) -> None:
    """Create or upgrade the schema (Alembic, programmatically)."""
    schema.upgrade(svc.engine)


def load_seed(svc: Services) -> bool:
    """Load the seed plan into an empty database. Returns True if it was loaded."""
    with svc.sessions() as session:
        if plan_exists(session):
            return False
        import_plan(session, seed_plan_document(), reason="Carga del plan semilla al crear la base de datos")
        session.commit()
        return True


def ensure_index(svc: Services) -> int | None:
    """Open the index and rebuild it from the database if it is new, was reset, or is out of step.

    Returns the number of documents indexed by a rebuild, or None when none was needed.
    """
    svc.index()
    if not svc.index_stale:
        return None
    log.warning("rebuilding the search index at %s from the database", svc.index_path)
    count = reindex(svc.sessions, svc.blobs, svc.index(), svc.limits)
    svc.mark_index_fresh()
    return count


def warm_index(svc: Services) -> int:
    """Read ahead what the first searches of this web process need (``SearchBackend.warm``), so that citizens
    arriving right after a restart do not pay for it. An index being rebuilt is skipped. Returns what ``warm`` read."""
    started = time.monotonic()
    try:
        if svc.index_stale:
            return 0
        words = svc.index().warm()
    except Exception:  # only an optimisation: serve anyway
        log.exception("reading ahead the search index at %s failed; searches will read it on demand", svc.index_path)
        return 0
    if words:
        log.info("search index read ahead: %d (words or blocks) in %.1f s", words, time.monotonic() - started)
    return words


def prepare(app: Flask, *, index: bool = True, seed: bool = True) -> bool:
    """Everything a process does before it serves or works. Returns True if the seed plan was loaded.

    ``index=False`` leaves the index unopened (tests that never search; a server whose worker thread
    rebuilds it in the background).
    """
    svc = services(app)
    migrate(svc)
    seeded = load_seed(svc) if seed else False
    removed = svc.blobs.cleanup_temp()
    if removed:
        log.info("removed %d stray temporary upload file(s)", len(removed))
    expired = svc.blobs.expire_refused()
    if expired:
        log.info("removed %d refused upload(s) past their time", len(expired))
    if index:
        ensure_index(svc)
    return seeded


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create or migrate the database, load the seed plan when it is empty, and build the index."""
    seeded = prepare(current_app)
    click.echo(f"Base de datos lista en {current_app.config['DATA_DIR']}")
    click.echo("Plan semilla cargado." if seeded else "El plan ya estaba cargado; no se modificó.")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--no-worker", is_flag=True, help="No procesar el texto aquí (se usa `evidence-repo worker` aparte).")
@with_appcontext
def serve_command(host: str, port: int, threads: int, no_worker: bool) -> None:
    """Serve the app with waitress (a production WSGI server) and run the index worker beside it.

    With the worker, a stale index is rebuilt by the worker thread while the site already answers (searches say
    so); without it, before serving.
    """
    from evidence_repo.serving import serve

    log_to_stderr()
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    prepare(app, index=no_worker)
    warm_index(services(app))
    # What start-up made (the app, its libraries, the read-ahead index) lives as long as the process: keep it out of
    # the cycle collector's full passes, which otherwise walk it all while a search allocates (Python's gc.freeze
    # is meant for this; a phrase search at 10^5 documents spent 40 % of its time there).
    gc.collect()
    gc.freeze()
    if not no_worker:
        services(app).start_worker()
    click.echo(f"evidence_repo en http://{host}:{port}/  (datos: {app.config['DATA_DIR']})")
    serve(app, host=host, port=port, threads=threads, ident="evidence_repo",
          max_request_body_size=app.config["MAX_UPLOAD_BODY"] + 1024 * 1024)


COMMANDS = (init_command, serve_command)
