"""Account commands: `user add` and personal API tokens."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from evidence_repo.accounts.models import User
from evidence_repo.accounts.operations import AccountError, create_user
from evidence_repo.accounts.tokens import create_token, revoke_token
from evidence_repo.db import db
from evidence_repo.evidence.models import ApiToken


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


COMMANDS = (token_group, user_group)
