"""The console script `evidence-repo`: a Flask CLI group over the app (the same as `flask --app evidence_repo`).

Commands live with their area (``bootstrap``, ``evidence/cli.py``, ``plan/cli.py``...) and are registered by the
app factory; this module only builds the group, so the app never imports it.
"""
from __future__ import annotations

from flask.cli import FlaskGroup

from evidence_repo.app import create_app

main = FlaskGroup(
    name="evidence-repo",
    help="evidence_repo: repositorio de evidencias de gobierno abierto.",
    create_app=create_app,
    add_default_commands=False,
    load_dotenv=False,
)
