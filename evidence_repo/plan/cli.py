"""Plan commands: import, export, list, archive plans, and start a new one from the shipped template."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from flask.cli import with_appcontext

from evidence_repo.bootstrap import migrate
from evidence_repo.db import db
from evidence_repo.plan.changes import Change
from evidence_repo.plan.document import PlanFileError, dump_plan, load_plan_file
from evidence_repo.plan.importing import ImportResult, export_plan, import_plan
from evidence_repo.plan.operations import TEMPLATES, PlanNotFound, list_plans, set_archived, template_text
from evidence_repo.services import services

MARKS = {"added": "+", "changed": "~", "removed": "-"}


@click.group("plan")
def plan_group():
    """Import, export, list and archive action plans."""


def _problems(title: str, problems: list[str]) -> NoReturn:
    click.echo(title, err=True)
    for problem in problems:
        click.echo(f"  - {problem}", err=True)
    sys.exit(1)


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def _print_changes(changes: list[Change]) -> None:
    for change in changes:
        where = " · ".join(p for p in (change.commitment, f"meta {change.milestone}" if change.milestone else None)
                           if p)
        click.echo(f"  {MARKS[change.action]} {change.summary}" + (f"  [{where}]" if where else ""))
        if change.before is not None:
            click.echo(f"      antes:   {_value(change.before)}")
        if change.after is not None:
            click.echo(f"      después: {_value(change.after)}")


def _report(result: ImportResult, dry_run: bool) -> None:
    state = "nuevo" if result.created else "existente"
    if not result.changes:
        click.echo(f"Sin cambios: el plan «{result.plan}» ya coincide con el archivo.")
        return
    click.echo(f"Plan «{result.plan}» ({state}): {len(result.changes)} cambio(s) — {result.count('added')} "
               f"agregado(s), {result.count('changed')} cambiado(s), {result.count('removed')} quitado(s).")
    _print_changes(result.changes)
    if dry_run:
        click.echo("Simulación (--dry-run): no se guardó nada.")


@plan_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validar y mostrar lo que cambiaría, sin guardar nada.")
@click.option("--reason", default=None, help="Motivo que se publica en los cambios del plan "
              "(por omisión «Importación del plan»).")
@with_appcontext
def plan_import(file: Path, dry_run: bool, reason: str | None):
    """Create the plan a file (YAML or JSON) describes, or update it (matched by its slug).

    Never touches another plan; refuses to remove or renumber anything that holds evidence. Invalid files and
    refused updates change nothing.
    """
    try:
        document = load_plan_file(file)
    except PlanFileError as exc:
        _problems(f"El archivo de plan no es válido ({len(exc.problems)} problema(s)):", exc.problems)
    if dry_run:
        click.echo(f"Archivo válido: {document.milestone_count()} metas.")
    migrate(services())
    session = db()
    try:
        result = import_plan(session, document, dry_run=dry_run, reason=reason)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except PlanFileError as exc:
        session.rollback()
        _problems("No se importó el plan:", exc.problems)
    except Exception:
        session.rollback()
        raise
    _report(result, dry_run)
    if not dry_run:
        click.echo(
            f"Plan importado: {result.milestones} metas, {result.activities} actividades, "
            f"{result.requirements} requisitos, {result.means} medios de verificación."
        )


@plan_group.command("export")
@click.option("--plan", "slug", default=None, help="Slug del plan (por omisión, el primero cargado).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default=None)
@with_appcontext
def plan_export(slug: str | None, output: Path | None, fmt: str | None):
    """Write a plan as YAML (default) or JSON, to a file or stdout; importing it back changes nothing."""
    fmt = fmt or ("json" if output and output.suffix.lower() == ".json" else "yaml")
    try:
        text = dump_plan(export_plan(db(), slug), fmt)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Plan exportado a {output}", err=True)
    else:
        click.echo(text, nl=False)


@plan_group.command("new")
@click.option("--template", "template", type=click.Choice(sorted(TEMPLATES)), default="programa-social",
              is_flag=False, flag_value="programa-social", show_default=True,
              help="Plantilla documentada a copiar.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Archivo a crear (por omisión, se escribe en la salida).")
def plan_new(template: str, output: Path | None):
    """Start a plan file from a documented blank template (fill it in, then `plan import` it)."""
    text = template_text(template)
    if output is None:
        click.echo(text, nl=False)
        return
    if output.exists():
        raise click.ClickException(f"{output} ya existe; elija otro nombre.")
    output.write_text(text, encoding="utf-8")
    click.echo(f"Plantilla escrita en {output}. Llénela y revísela con: evidence-repo plan import {output} --dry-run",
               err=True)


def _set_archived(slug: str, archived: bool, reason: str | None) -> None:
    migrate(services())
    session = db()
    try:
        changed = set_archived(session, slug, archived, reason)
        session.commit()
    except PlanNotFound as exc:
        session.rollback()
        raise click.ClickException(exc.message) from None
    if not changed:
        click.echo(f"El plan «{slug}» ya estaba {'archivado' if archived else 'visible'}; no se modificó.")
    elif archived:
        click.echo(f"Plan «{slug}» archivado: ya no aparece en la portada; sus páginas siguen públicas.")
    else:
        click.echo(f"Plan «{slug}» visible de nuevo en la portada.")


@plan_group.command("archive")
@click.argument("slug")
@click.option("--reason", default=None, help="Motivo que se publica en los cambios del plan.")
@with_appcontext
def plan_archive(slug: str, reason: str | None):
    """Hide a plan from the home page; its pages, API and search stay public by link. Nothing is deleted."""
    _set_archived(slug, True, reason)


@plan_group.command("unarchive")
@click.argument("slug")
@click.option("--reason", default=None, help="Motivo que se publica en los cambios del plan.")
@with_appcontext
def plan_unarchive(slug: str, reason: str | None):
    """List an archived plan on the home page again."""
    _set_archived(slug, False, reason)


@plan_group.command("list")
@with_appcontext
def plan_list():
    """Every plan: slug, title, archived or not, and its commitments' slugs."""
    plans = list_plans(db(), include_archived=True)
    if not plans:
        click.echo("No hay ningún plan cargado.")
        return
    for plan in plans:
        state = "archivado" if plan.archived else "visible"
        click.echo(f"{plan.slug}\t{state}\t{plan.title}")
        for c in plan.commitments:
            click.echo(f"  - {c.slug}\t{c.title.splitlines()[0][:100]}")


COMMANDS = (plan_group,)
