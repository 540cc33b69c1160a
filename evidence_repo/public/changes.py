"""'Cambios al plan': the public history of a commitment's plan ("Sujeto a cambios").

When, what, before → after and the reason given; never who made a change (the audit trail keeps that) and never
evidence, so the page needs no visibility decision (it is allow-listed in tests/test_policy.py).
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _

from evidence_repo.db import db
from evidence_repo.plan.changes import before_after
from evidence_repo.plan.operations import commitment_changes as load_changes
from evidence_repo.plan.operations import load_commitment

bp = Blueprint("changes", __name__)

LIMIT = 200


@bp.get("/compromisos/<commitment_slug>/cambios")
def commitment_changes(commitment_slug: str):
    commitment = load_commitment(db(), commitment_slug)
    if commitment is None:
        abort(404, description=_("No existe el compromiso «%(slug)s».", slug=commitment_slug[:80]))
    changes = load_changes(db(), commitment, limit=LIMIT)
    return render_template("public/changes.html", commitment=commitment,
                           changes=[(c, before_after(c)) for c in changes], limit=LIMIT)
