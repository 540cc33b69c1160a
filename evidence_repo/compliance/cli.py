"""`evidence-repo report`: the compliance report from the command line, by the same exporter as the web."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _

from evidence_repo.compliance import export, views
from evidence_repo.dates import DEFAULT_LOCALE, parse_as_of
from evidence_repo.db import db
from evidence_repo.plan.operations import load_commitment, load_plan

LANGUAGES = (DEFAULT_LOCALE, "en")


@click.command("report")
@click.option("--as-of", "as_of", default=None, help="Fecha AAAA-MM-DD (por omisión, hoy).")
@click.option("--format", "fmt", type=click.Choice(export.FORMATS), default="pdf", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--include-restricted", is_flag=True,
              help="Para uso interno: nombra también las evidencias restringidas.")
@click.option("--lang", type=click.Choice(LANGUAGES), default=DEFAULT_LOCALE, show_default=True,
              help="Idioma del informe.")
@click.option("--commitment", "commitment_slug", default=None, metavar="SLUG",
              help="El compromiso (por omisión, el primero cargado).")
@click.option("--plan", "plan_slug", default=None, metavar="SLUG",
              help="Un plan completo: una sección por compromiso.")
@with_appcontext
def report_command(as_of: str | None, fmt: str, output: Path, include_restricted: bool, lang: str,
                   commitment_slug: str | None, plan_slug: str | None) -> None:
    """Write the compliance report ("Informe de cumplimiento") as of a date: of one commitment or a whole plan."""
    with force_locale(lang):
        if commitment_slug and plan_slug:
            raise click.UsageError(_("Use --commitment o --plan, no ambos."))
        try:
            when = parse_as_of(as_of, dt.date.today())
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--as-of") from None
        soon = current_app.config["SOON_DAYS"]
        if plan_slug:
            plan = load_plan(db(), plan_slug)
            if plan is None:
                raise click.ClickException(_("No existe el plan «%(slug)s».", slug=plan_slug))
            parts = [c for c in (views.compute(db(), when, soon, commitment)
                                 for commitment in plan.commitments) if c is not None]
            result = export.render_plan(fmt, db(), plan, parts, public=not include_restricted)
        else:
            commitment = load_commitment(db(), commitment_slug)
            if commitment is None:
                raise click.ClickException(_("No existe el compromiso «%(slug)s».", slug=commitment_slug)
                                           if commitment_slug else _("No hay ningún plan cargado"))
            c = views.compute(db(), when, soon, commitment)
            if c is None:
                raise click.ClickException(_("No hay ningún plan cargado"))
            result = export.render(fmt, db(), c, public=not include_restricted)
    output.write_bytes(result.body)
    click.echo(f"Informe al {when.isoformat()} escrito en {output} ({len(result.body):,} bytes).")


COMMANDS = (report_command,)
