"""Account commands: `user add` and personal API tokens."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from evidence_repo.accounts.models import ROLE_NAMES, User
from evidence_repo.accounts.operations import (
    AccountError,
    create_user,
    find_user,
    reset_password,
    set_active,
    set_roles,
)
from evidence_repo.accounts.tokens import create_token, revoke_token
from evidence_repo.db import db
from evidence_repo.evidence.models import ApiToken


@contextmanager
def _committed(session: Session) -> Iterator[None]:
    """Commit the account change made in the block; a refused change (AccountError) is the command's error."""
    try:
        yield
        session.commit()
    except AccountError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from None


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
        owner = t.user.email if t.user is not None else f"(cuenta #{t.user_id} borrada)"
        click.echo(f"#{t.id}\t{owner}\t{t.prefix}…\t{state}\t{t.name or ''}")


@click.group("user")
def user_group():
    """Manage accounts and their roles (a user may hold several: admin, staff, committee)."""


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Contraseña", hide_input=True, confirmation_prompt="Repita la contraseña")


def _user(session, email: str) -> User:
    user = find_user(session, email)
    if user is None:
        raise click.ClickException(f"No existe la cuenta {email}")
    return user


ROLE_CHOICE = click.Choice(list(ROLE_NAMES))


@user_group.command("add")
@click.argument("email")
@click.option("--role", "roles", required=True, multiple=True, type=ROLE_CHOICE,
              help="Rol; repítalo para dar varios (--role committee --role staff).")
@click.option("--name", default=None, help="Nombre para mostrar.")
@click.option("--password-stdin", is_flag=True, help="Leer la contraseña de la entrada estándar.")
@with_appcontext
def user_add(email: str, roles: tuple[str, ...], name: str | None, password_stdin: bool):
    """Create an account; the password is prompted for (or read from stdin)."""
    password = _read_password(password_stdin)
    session = db()
    with _committed(session):
        user = create_user(session, email, password, roles, name=name)
    click.echo(f"Cuenta creada: {user.email} ({user.roles_label})")


@user_group.command("roles")
@click.argument("email")
@click.argument("roles", nargs=-1, required=True, type=ROLE_CHOICE)
@with_appcontext
def user_roles(email: str, roles: tuple[str, ...]):
    """Give EMAIL exactly ROLES (e.g. `user roles ana@x.mx committee staff`)."""
    session = db()
    user = _user(session, email)
    with _committed(session):
        changed = set_roles(session, user, roles)
    click.echo(f"{user.email}: {user.roles_label}" + ("" if changed else " (sin cambios)"))


@user_group.command("list")
@with_appcontext
def user_list():
    """Every account with its roles and whether it is active."""
    for u in db().scalars(select(User).order_by(User.email)):
        click.echo(f"{u.email}\t{u.roles_label}\t{'activa' if u.active else 'desactivada'}\t{u.name or ''}")


@user_group.command("password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Leer la contraseña de la entrada estándar.")
@with_appcontext
def user_password(email: str, password_stdin: bool):
    """Set a new password for EMAIL; every open session of that account ends."""
    session = db()
    user = _user(session, email)
    with _committed(session):
        reset_password(session, user, _read_password(password_stdin))
    click.echo(f"Contraseña cambiada para {user.email}; sus sesiones abiertas se cerraron.")


@user_group.command("deactivate")
@click.argument("email")
@click.option("--reactivate", is_flag=True, help="Volver a activar la cuenta.")
@with_appcontext
def user_deactivate(email: str, reactivate: bool):
    """Deactivate EMAIL: it can no longer sign in and its API tokens answer 401."""
    session = db()
    user = _user(session, email)
    with _committed(session):
        set_active(session, user, reactivate)
    click.echo(f"{user.email}: {'activa' if user.active else 'desactivada'}")


COMMANDS = (token_group, user_group)
