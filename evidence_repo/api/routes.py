"""JSON API v1: read-only plan for now; every endpoint is described in openapi.json."""
from __future__ import annotations

import json
from functools import cache
from importlib import resources

from flask import Blueprint, jsonify

from evidence_repo.database import db
from evidence_repo.plan.operations import load_commitment, load_milestone
from evidence_repo.plan.serialize import milestone_dict, plan_dict

bp = Blueprint("api", __name__)


@cache
def openapi_document() -> dict:
    return json.loads((resources.files("evidence_repo.api") / "openapi.json").read_text(encoding="utf-8"))


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/plan")
def plan():
    commitment = load_commitment(db())
    if commitment is None:
        return api_error(404, "No hay ningún plan cargado")
    return jsonify(plan_dict(commitment))


@bp.get("/milestones/<int:number>")
def milestone(number: int):
    m = load_milestone(db(), number)
    if m is None:
        return api_error(404, f"No existe la meta {number}")
    return jsonify(milestone_dict(m))


def api_error(code: int, message: str):
    return jsonify(error={"code": code, "message": message}), code
