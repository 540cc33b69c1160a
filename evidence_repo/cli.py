"""The console script `evidence-repo`: a Flask CLI group over the app (the same as `flask --app evidence_repo`).

Commands live with their area (``bootstrap``, ``evidence/cli.py``, ``plan/cli.py``...) and are registered by the
app factory; this module only builds the group, so the app never imports it.
"""
from __future__ import annotations

import click
from flask.cli import FlaskGroup

from evidence_repo.app import create_app

main = FlaskGroup(
    name="evidence-repo",
    help="evidence_repo: repositorio de evidencias de gobierno abierto.",
    create_app=create_app,
    add_default_commands=False,
    load_dotenv=False,
)


def _operator(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """Who runs the command, for the audit log (default: the operating-system user)."""
    import os

    from evidence_repo.audit import operator

    if value:
        operator.set(value.strip().lower())
        os.environ["EVIDENCE_REPO_OPERATOR"] = value.strip().lower()
    return value


main.params.append(click.Option(["--as", "operator"], default=None, expose_value=False, is_eager=True,
                                callback=_operator, metavar="EMAIL",
                                help="Correo de quien ejecuta la orden (queda en el registro de auditoría)."))
