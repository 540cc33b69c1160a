"""`evidence-repo audit verify`: recompute the audit log's hash chain; non-zero exit naming the first broken record."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from evidence_repo.audit.verify import verify
from evidence_repo.services import services


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log."""


@audit_group.command("verify")
@with_appcontext
def verify_command() -> None:
    """Recompute every record's hash; exit 1 naming the first record that was deleted, edited or inserted."""
    with services(current_app).sessions() as session:
        report = verify(session)
    if not report.ok:
        click.echo(report.message(), err=True)
        sys.exit(1)
    click.echo(report.message())


COMMANDS = (audit_group,)
