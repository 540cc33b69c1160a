"""Pages anyone can read without an account."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _

from evidence_repo.database import db
from evidence_repo.plan.operations import load_commitment, load_milestone, milestone_numbers

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    return render_template("public/home.html", commitment=load_commitment(db()))


@bp.get("/plan")
def plan():
    commitment = load_commitment(db())
    if commitment is None:
        abort(404)
    return render_template("public/plan.html", commitment=commitment)


@bp.get("/metas/<int:number>")
def milestone(number: int):
    m = load_milestone(db(), number)
    if m is None:
        abort(404, description=_("No existe la meta %(n)s en este plan.", n=number))
    numbers = milestone_numbers(db())
    i = numbers.index(m.number)
    return render_template(
        "public/milestone.html",
        milestone=m,
        commitment=m.commitment,
        previous=numbers[i - 1] if i > 0 else None,
        next=numbers[i + 1] if i + 1 < len(numbers) else None,
    )
