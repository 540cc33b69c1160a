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

LANGUAGES = (DEFAULT_LOCALE, "en")


@click.command("report")
@click.option("--as-of", "as_of", default=None, help="Fecha AAAA-MM-DD (por omisión, hoy).")
@click.option("--format", "fmt", type=click.Choice(export.FORMATS), default="pdf", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--include-restricted", is_flag=True,
              help="Para uso interno: nombra también las evidencias restringidas.")
@click.option("--lang", type=click.Choice(LANGUAGES), default=DEFAULT_LOCALE, show_default=True,
              help="Idioma del informe.")
@with_appcontext
def report_command(as_of: str | None, fmt: str, output: Path, include_restricted: bool, lang: str) -> None:
    """Write the compliance report ("Informe de cumplimiento") as of a date."""
    with force_locale(lang):
        try:
            when = parse_as_of(as_of, dt.date.today())
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--as-of") from None
        c = views.compute(db(), when, current_app.config["SOON_DAYS"])
        if c is None:
            raise click.ClickException(_("No hay ningún plan cargado"))
        result = export.render(fmt, db(), c, public=not include_restricted)
    output.write_bytes(result.body)
    click.echo(f"Informe al {when.isoformat()} escrito en {output} ({len(result.body):,} bytes).")


COMMANDS = (report_command,)
