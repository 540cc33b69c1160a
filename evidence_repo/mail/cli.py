"""``evidence-repo mail test ADDRESS``: an administrator checks the mail settings by sending one message now."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from evidence_repo.mail.models import OutgoingMail
from evidence_repo.mail.sending import as_message, connect
from evidence_repo.mail.settings import MailSettings


@click.group("mail")
def mail_group() -> None:
    """Correo: comprobar la configuración SMTP."""


@mail_group.command("test")
@click.argument("address")
@with_appcontext
def test_command(address: str) -> None:
    """Enviar ahora un mensaje de prueba a ADDRESS (sin pasar por la cola)."""
    settings = MailSettings.from_config(current_app.config)
    if not settings.enabled:
        raise click.ClickException("El correo no está configurado (EVIDENCE_REPO_SMTP_HOST está vacío).")
    mail = OutgoingMail(to_address=address, subject="Prueba de correo del repositorio de evidencias",
                        body="Si recibe este mensaje, el repositorio puede enviar avisos por correo.\n")
    try:
        smtp = connect(settings)
        smtp.send_message(as_message(settings, mail))
        smtp.quit()
    except Exception as exc:  # noqa: BLE001  (reported to the administrator as it is)
        raise click.ClickException(f"No se pudo enviar: {type(exc).__name__}: {exc}") from exc
    click.echo(f"Enviado a {address} por {settings.host}:{settings.port}.")


COMMANDS = (mail_group,)
