"""Schemathesis against /api/v1/openapi.json on the WSGI app: the document and the code agree.

Every operation gets a bounded number of generated requests (fixed seed: ``derandomize``), with a staff token known to schemathesis as the `bearer` scheme,
and every check schemathesis has (no 5xx, documented status codes and content types, responses matching their
schemas, invalid requests rejected, valid ones accepted, 405 with ``Allow``). A stateful run follows the links
from ``POST /evidence`` to ``GET``/``PATCH /evidence/{id}``.
"""
from __future__ import annotations

import copy
import hashlib

import pytest
import schemathesis
from hypothesis import HealthCheck, seed, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import text

from evidence_repo.api.routes import openapi_document
from evidence_repo.evidence.models import ApiToken
from evidence_repo.services import services

EXAMPLES = 25
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


# A fixed token (stored hashed like any other) that schemathesis knows as the document's `bearer` scheme, so it
# sends it where the document asks for authentication, and a made-up one when checking that auth is not ignored.
TOKEN = "er_schemathesis-fuzz-token-0123456789abcdefghij"
CONFIG = SchemathesisConfig.from_dict({"auth": {"openapi": {"bearer": {"bearer": TOKEN}}}})


@pytest.fixture
def token(app, make_user, session) -> str:
    user = make_user("fuzz@jalisco.gob.mx", "staff")
    session.add(ApiToken(user=user, token_hash=hashlib.sha256(TOKEN.encode()).hexdigest(), prefix=TOKEN[:10],
                         name="schemathesis"))
    session.commit()
    return TOKEN


# The document the app serves at /api/v1/openapi.json (the same object); each test calls its own fresh app.
schema = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG)
BASE = "http://localhost/api/v1"


# Whether a milestone number, means or activity exists depends on the plan loaded, which the document cannot
# say: a well-formed upload or edit naming none of them is a 400 naming the field (tests/api/test_evidence*.py).
DEPENDS_ON_THE_PLAN = {("POST", "/evidence"), ("PATCH", "/evidence/{id}")}


@schema.parametrize()
@FUZZ
def test_every_operation_agrees_with_the_document(case, app, token):
    excluded = [positive_data_acceptance] if (case.method.upper(), case.path) in DEPENDS_ON_THE_PLAN else []
    case.call_and_validate(app=app, base_url=BASE, excluded_checks=excluded)


def _narrowed_to_the_seed(document: dict) -> dict:
    """The document with uploads narrowed to the seed plan's milestones and means (values the document cannot
    know), so generated uploads succeed and the links to the new evidence are followed."""
    narrowed = copy.deepcopy(document)
    fields = narrowed["paths"]["/evidence"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    fields["properties"]["milestone"] = {"type": "integer", "enum": list(range(1, 12))}
    fields["properties"]["means"] = {"type": "string", "enum": SEED_MEANS}
    for name in ("activity", "date", "commitment"):
        fields["properties"].pop(name)
    return narrowed


SEED_MEANS = ["Convocatoria", "Lista de asistencia", "Memoria fotográfica", "Minuta", "Informe final"]


def test_links_from_an_upload_to_the_evidence(app, token):
    followed: list[tuple[str, str, int]] = []

    narrowed = schemathesis.openapi.from_dict(_narrowed_to_the_seed(openapi_document()), config=CONFIG)
    narrowed.app = app  # as schemathesis.openapi.from_wsgi does

    @seed(20261201)  # a fixed seed; hypothesis' derandomize trips over schemathesis' stateful generation
    class Machine(narrowed.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case):
            return {"base_url": BASE}

        def teardown(self):
            """Each scenario starts without evidence, so a replayed scenario gets the same answers (an upload
            repeated in a later scenario would otherwise be a 409 duplicate, and hypothesis calls that flaky)."""
            with services(app).sessions() as s:
                for table in ("evidence_review", "index_task", "evidence_file", "evidence"):
                    s.execute(text(f"DELETE FROM {table}"))
                s.commit()

        def after_call(self, response, case):
            super().after_call(response, case)
            followed.append((case.method.upper(), case.path, response.status_code))

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            excluded = [positive_data_acceptance] if (case.method.upper(), case.path) in DEPENDS_ON_THE_PLAN else []
            case.validate_response(response, excluded_checks=excluded, transport_kwargs=kwargs)

    Machine.run(settings=settings(FUZZ, max_examples=25, stateful_step_count=4, derandomize=False))
    assert ("POST", "/evidence", 201) in followed
    assert ("GET", "/evidence/{id}", 200) in followed, sorted(set(followed))
