"""The role matrix: every route of the URL map × every kind of reader, and the answer each one gets.

A route missing from ``MATRIX`` fails the test, so a new page cannot ship without someone deciding who may use
it. The evidence in the URLs is *restricted*, so evidence routes also show who may see restricted evidence.
Outcomes: ``ok`` (the view ran: 2xx, a redirect elsewhere than the login page, or a 400 for the empty form
sent), ``login`` (anonymous reader sent to sign in), ``401`` (API without a token), ``403`` (signed in,
refused), ``404`` (hidden: restricted evidence to the public, someone else's token).
"""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from evidence_repo.accounts.tokens import create_token
from evidence_repo.committee.agreements import record_agreement
from evidence_repo.mail.settings import MailSettings
from evidence_repo.participation.operations import submit
from evidence_repo.plan.models import Milestone
from evidence_repo.plan.operations import load_commitment
from tests.helpers import csrf_token, login

ROLES = ("anonymous", "staff", "committee", "admin", "committee+staff")
ACCOUNTS = {"staff": "staff", "committee": "committee", "admin": "admin", "committee+staff": "committee,staff"}


def everyone(outcome="ok"):
    return dict.fromkeys(ROLES, outcome)


def signed_in(anonymous="login"):
    return {**everyone(), "anonymous": anonymous}


def only(*roles, anonymous="login"):
    return {r: ("ok" if r in roles else "403") for r in ROLES} | {"anonymous": anonymous}


READERS = signed_in(anonymous="404")  # restricted evidence: every signed-in role sees it, the public does not
UPLOAD = only("staff", "admin", "committee+staff")
REVIEW = only("committee", "admin", "committee+staff")
ADMIN = only("admin")

MATRIX: dict[tuple[str, str], dict[str, str]] = {
    ("static", "GET"): everyone(),
    ("public.home", "GET"): everyone(),
    ("public.plan", "GET"): everyone(),
    ("public.milestone", "GET"): everyone(),
    ("public.plan_detail", "GET"): everyone(),
    ("public.commitment", "GET"): everyone(),
    ("public.commitment_milestone", "GET"): everyone(),
    ("public.commitment_compliance", "GET"): everyone(),
    ("public.commitment_compliance_csv", "GET"): everyone(),
    ("public.commitment_compliance_report", "GET"): everyone(),
    ("public.portfolio", "GET"): everyone(),
    ("public.dashboard_csv", "GET"): everyone(),
    ("public.dashboard_report", "GET"): everyone(),
    ("public.search", "GET"): everyone(),
    ("public.feed", "GET"): everyone(),
    ("changes.commitment_changes", "GET"): everyone(),
    ("public.evidence", "GET"): READERS,
    ("public.download", "GET"): READERS,
    ("public.thumbnail", "GET"): READERS,
    ("public.preview", "GET"): READERS,
    ("public.searchable_copy", "GET"): READERS,
    ("public.manifest", "GET"): everyone(),
    ("public.manifest_csv", "GET"): everyone(),
    ("public.activity", "GET"): everyone(),
    ("auth.login", "GET"): everyone(),
    ("auth.login", "POST"): everyone(),
    ("auth.logout", "POST"): signed_in(),
    ("auth.account", "GET"): signed_in(),
    ("auth.account", "POST"): signed_in(),
    # the token in the URL belongs to the staff account: its owner and admins may revoke it
    ("auth.revoke", "POST"): {"anonymous": "login", "staff": "ok", "admin": "ok", "committee": "404",
                              "committee+staff": "404"},
    ("staff.upload", "GET"): UPLOAD,
    ("staff.upload", "POST"): UPLOAD,
    ("staff.evidence_list", "GET"): signed_in(),
    ("staff.observed", "GET"): signed_in(),
    ("staff.mine", "GET"): signed_in(),
    ("staff.edit", "GET"): UPLOAD,
    ("staff.edit", "POST"): UPLOAD,
    ("staff.replace", "POST"): UPLOAD,
    ("staff.withdraw", "POST"): UPLOAD,
    ("staff.restrict", "POST"): UPLOAD,
    ("staff.public_version", "POST"): UPLOAD,
    ("committee.review", "POST"): REVIEW,
    ("agreements.page", "GET"): everyone(),
    ("agreements.csv_download", "GET"): everyone(),
    ("agreements.json_download", "GET"): everyone(),
    ("agreements.report", "GET"): everyone(),
    ("agreements.record", "POST"): REVIEW,
    ("agreements.answer", "POST"): UPLOAD,
    ("committee.queue", "GET"): REVIEW,
    ("committee.queue_item", "GET"): REVIEW | {"anonymous": "login"},
    ("committee.next_item", "GET"): REVIEW,
    # citizens' observations: anyone sends (the empty form sent is a 400 with its message); on restricted evidence
    # only those who see it; staff and the committee moderate and answer; the open data is everyone's
    ("participation.observe_milestone", "POST"): everyone(),
    ("participation.observe_evidence", "POST"): READERS,
    ("participation.queue", "GET"): signed_in(),
    ("participation.moderate", "POST"): signed_in(),
    ("participation.answer", "POST"): signed_in(),
    ("participation.observations_csv", "GET"): everyone(),
    ("api.observations_api", "GET"): everyone(),
    ("admin.milestone", "GET"): ADMIN,
    ("admin.edit", "POST"): ADMIN,
    ("admin.users", "GET"): ADMIN,
    ("admin.create_account", "POST"): ADMIN,
    ("admin.user_action", "POST"): ADMIN,
    ("admin.publish_version", "POST"): ADMIN,
    ("admin.purge", "POST"): ADMIN,
    ("api.openapi", "GET"): everyone(),
    ("api.plan", "GET"): everyone(),
    ("api.plans", "GET"): everyone(),
    ("api.milestone", "GET"): everyone(),
    ("api.commitment", "GET"): everyone(),
    ("api.commitment_milestone", "GET"): everyone(),
    ("api.commitment_compliance", "GET"): everyone(),
    ("api.commitment_changes_api", "GET"): everyone(),
    ("api.commitment_agreements", "GET"): everyone(),
    ("api.compliance", "GET"): everyone(),
    ("api.search", "GET"): everyone(),
    ("api.list_evidence_api", "GET"): everyone(),
    ("api.get_evidence", "GET"): READERS,
    ("api.create_evidence", "POST"): UPLOAD | {"anonymous": "401"},
    ("api.update_evidence", "PATCH"): UPLOAD | {"anonymous": "401"},
}

SLUG = "jalisco-apoyo-organizaciones-sociedad-civil"


def _url(rule, values: dict) -> str:
    return re.sub(r"<(?:[^:>]+:)?(\w+)(?:\([^)]*\))?>", lambda m: str(values[m.group(1)]), rule.rule)


def _outcome(response) -> str:
    status = response.status_code
    assert status < 500, (response.request.path, status, response.get_data(as_text=True)[:300])
    if status in (302, 303) and "/ingresar" in response.headers.get("Location", "") and \
            response.request.path != "/ingresar":
        return "login"
    if status in (401, 403, 404):
        return str(status)
    return "ok"


@pytest.fixture
def world(app, make_user, session, worker):
    """One account per role (the last holds two), each with a token; a restricted image; a bystander account."""
    users = {role: make_user(f"{role.replace('+', '-')}@jalisco.gob.mx", roles) for role, roles in ACCOUNTS.items()}
    bystander = make_user("otra@jalisco.gob.mx", "staff")
    tokens = {role: create_token(session, user, "matriz") for role, user in users.items()}
    session.commit()
    image = io.BytesIO()
    Image.new("RGB", (48, 32), "navy").save(image, "PNG")
    image.seek(0)
    client = app.test_client()
    r = client.post("/api/v1/evidence", headers={"Authorization": f"Bearer {tokens['staff'][1]}"},
                    content_type="multipart/form-data",
                    data={"milestone": "6", "means": "Memoria fotográfica", "visibility": "restricted",
                          "title": "Foto con rostros", "file": (image, "foto.png")})
    assert r.status_code == 201, r.get_data(as_text=True)
    worker.drain()
    agreement = record_agreement(session, load_commitment(session, SLUG), milestone_number=3, text="Acuerdo",
                                 institution="SSAS", due="2019-11-15", user=users["committee"])
    milestone = session.scalars(select(Milestone).where(Milestone.number == 6)).one()
    observation = submit(session, MailSettings(), milestone=milestone, evidence=None, text="¿Y la minuta?")
    session.commit()
    return {"evidence_id": r.get_json()["id"], "token_id": tokens["staff"][0].id, "observation_id": observation.id,
            "agreement_id": agreement.id,
            "plaintext": {role: t[1] for role, t in tokens.items()}, "bystander": bystander.id}


def _values(endpoint: str, world) -> dict:
    return {"evidence_id": world["evidence_id"], "agreement_id": world["agreement_id"], "number": 6, "fmt": "pdf",
            "filename": "site.css",
            "slug": SLUG, "commitment_slug": SLUG, "plan_slug": "plan-accion-local-jalisco-2019",
            "token_id": world["token_id"], "user_id": world["bystander"], "version": 1, "page": 1,
            "observation_id": world["observation_id"],
            "action": "roles" if endpoint == "admin.user_action" else "actividad"}


def _form(endpoint: str) -> dict:
    """A harmless body: empty forms, except the bystander keeps exactly the role it has."""
    return {"roles": "staff"} if endpoint == "admin.user_action" else {}


def test_every_route_answers_every_role_as_the_matrix_says(app, world):
    routes = sorted(((rule, method) for rule in app.url_map.iter_rules()
                     for method in sorted(rule.methods - {"HEAD", "OPTIONS"})),
                    key=lambda rm: (rm[0].endpoint == "auth.logout", rm[0].endpoint == "auth.revoke"))  # these last
    missing = sorted({(rule.endpoint, method) for rule, method in routes} - set(MATRIX))
    assert not missing, f"routes missing from the role matrix: {missing}"
    stale = sorted(set(MATRIX) - {(rule.endpoint, method) for rule, method in routes})
    assert not stale, f"stale entries in the role matrix: {stale}"

    answers: dict[tuple[str, str, str], str] = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            assert login(client, f"{role.replace('+', '-')}@jalisco.gob.mx").status_code == 302
        token = csrf_token(client, "/" if role != "anonymous" else "/ingresar")
        api_headers = {"Authorization": f"Bearer {world['plaintext'][role]}"} if role != "anonymous" else {}
        for rule, method in routes:
            url, endpoint = _url(rule, _values(rule.endpoint, world)), rule.endpoint
            if endpoint.startswith("api."):
                response = client.open(url, method=method, headers=api_headers)
            elif method == "GET":
                response = client.get(url)
            else:
                response = client.open(url, method=method,
                                       data={"csrf_token": token, **_form(endpoint)})
            answers[(endpoint, method, role)] = _outcome(response)
    wrong = {key: got for key, got in answers.items() if MATRIX[key[:2]][key[2]] != got}
    assert not wrong, "answers that differ from the matrix (endpoint, method, role) → got: " + \
        ", ".join(f"{k} → {v} (expected {MATRIX[k[:2]][k[2]]})" for k, v in sorted(wrong.items()))
