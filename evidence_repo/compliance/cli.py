"""Compliance commands: the report ("Informe de cumplimiento") as of a date."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from evidence_repo.db import db


@click.command("report")
@click.option("--as-of", "as_of", default=None, help="Fecha AAAA-MM-DD (por omisión, hoy).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "docx", "pdf"]), default="pdf", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--include-restricted", is_flag=True, help="Para uso interno: nombra también las evidencias restringidas.")
@with_appcontext
def report_command(as_of: str | None, fmt: str, output: Path, include_restricted: bool):
    """Write the compliance report ("Informe de cumplimiento") as of a date."""
    import csv
    import datetime as dt
    import io
    import json

    from evidence_repo.compliance import views

    try:
        when = views.parse_as_of(as_of, dt.date.today())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--as-of") from None
    app = current_app._get_current_object()
    c = views.compute(db(), when, app.config["SOON_DAYS"])
    if c is None:
        raise click.ClickException("No hay ningún plan cargado")
    public = not include_restricted
    if fmt == "json":
        body = (json.dumps(views.as_json(c, public=public), ensure_ascii=False, indent=2) + "\n").encode()
    elif fmt == "csv":
        out = io.StringIO()
        csv.writer(out).writerows(views.csv_rows(c, public=public))
        body = ("\ufeff" + out.getvalue()).encode()
    else:
        from evidence_repo.compliance.report import render_docx, render_pdf

        data = views.report_data(db(), c, public=public, generated_at=dt.datetime.now(dt.timezone.utc))
        body = render_docx(data) if fmt == "docx" else render_pdf(data)
    output.write_bytes(body)
    click.echo(f"Informe al {when.isoformat()} escrito en {output} ({len(body):,} bytes).")


COMMANDS = (report_command,)
