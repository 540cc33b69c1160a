"""`evidence-repo digest`: the committee's weekly e-mail of what became vencido (run it from cron or a timer)."""
from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext

from evidence_repo.committee.digest import send_digest
from evidence_repo.dates import parse_as_of
from evidence_repo.db import db
from evidence_repo.mail.settings import MailSettings


@click.command("digest")
@click.option("--as-of", "as_of", default=None, help="Fecha AAAA-MM-DD (por omisión, hoy).")
@with_appcontext
def digest_command(as_of: str | None) -> None:
    """Enviar al comité el resumen de lo que venció (acuerdos y metas) desde el último resumen."""
    try:
        when = parse_as_of(as_of, dt.date.today())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--as-of") from None
    settings = MailSettings.from_config(current_app.config)
    if not settings.enabled:
        raise click.ClickException("El correo no está configurado (EVIDENCE_REPO_SMTP_HOST está vacío): "
                                   "no se envió ningún resumen.")
    session = db()
    result = send_digest(session, settings, when, current_app.config["SOON_DAYS"],
                         site_url=current_app.config.get("BASE_URL") or "")
    session.commit()
    if not result.items:
        click.echo("Nada nuevo vencido desde el último resumen: no se envió nada.")
    elif not result.sent:
        raise click.ClickException(f"{len(result.items)} vencidos nuevos, pero no hay cuentas del comité a quién "
                                   "enviarlos: se informarán en el próximo resumen.")
    else:
        click.echo(f"Resumen en cola para {result.recipients} integrantes del comité: {len(result.items)} vencidos "
                   "nuevos (el trabajador de correo lo envía).")


COMMANDS = (digest_command,)
