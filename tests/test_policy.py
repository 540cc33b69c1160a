"""One rule decides who sees restricted evidence: every page and API route either asks it or shows no evidence."""
import io
import re

import pytest
from flask import g, request_finished

from evidence_repo import policy
from tests.helpers import login

SECRET = "xochiquetzalli"

# Routes that never show evidence, each with the reason. Anything not listed must consult the policy.
SHOWS_NO_EVIDENCE = {
    "static": "CSS, scripts and icons",
    "auth.login": "the sign-in form",
    "api.openapi": "the API's description",
    "api.plan": "the plan as written (no evidence)",
    "api.milestone": "one milestone as written (no evidence)",
    "public.home": "the plan's header and milestones (no evidence)",
    "public.plan": "a redirect to the only commitment, or a chooser naming the commitments",
    "public.milestone": "a redirect to the only commitment's milestone, or a chooser naming the commitments",
    "public.plan_detail": "the plan's commitments with statuses only; restricted evidence counts unnamed",
    "public.commitment": "statuses only; restricted evidence counts without being named, as in every export",
    "public.portfolio": "one line of figures per commitment; restricted evidence counts without being named",
    "public.feed": "public by construction: feeds are fetched without a session and cached by aggregators",
    "staff.upload": "the upload form",
    "admin.milestone": "the plan editor and its audit history (no evidence)",
    "admin.users": "accounts, roles and API tokens (no evidence)",
    "auth.account": "one's own password form and API tokens (no evidence)",
    "changes.commitment_changes": "plan changes only, no evidence and no staff identity",
    "api.plans": "plans, commitments and statuses only; restricted evidence counts without being named",
    "api.commitment": "one commitment as written (no evidence)",
    "api.commitment_milestone": "one milestone as written (no evidence)",
    "api.commitment_changes_api": "plan changes only, no evidence and no staff identity",
}



def test_the_policy_itself():
    class U:
        is_authenticated = True

        def __init__(self, *roles):
            self.roles = frozenset(roles)

    assert not policy.can_see_restricted(None)
    assert policy.audience(None) == policy.PUBLIC_ONLY
    for role in ("admin", "staff", "committee"):
        assert policy.can_see_restricted(U(role)) and policy.audience(U(role)) == policy.EVERYTHING
    assert not policy.can_see_restricted(U("citizen"))
    assert policy.can_upload(U("staff")) and not policy.can_upload(U("committee"))
    assert policy.can_review(U("committee")) and not policy.can_review(U("staff"))
    assert policy.can_administer(U("admin")) and not policy.can_administer(U("staff"))
    owner, admin, anonymous = U("staff"), U("admin"), U("staff")
    owner.id, admin.id, anonymous.id, anonymous.is_authenticated = 7, 1, 7, False
    assert policy.can_manage_token(owner, 7) and policy.can_manage_token(admin, 7)
    assert not policy.can_manage_token(U("committee"), 7)  # no id at all: not the owner, and no error
    assert not policy.can_manage_token(owner, 8) and not policy.can_manage_token(None, 7)
    assert not policy.can_manage_token(anonymous, 7)
    inactive = U("admin")
    inactive.is_active = False  # a deactivated account holds no role, wherever it is met
    assert policy.roles_of(inactive) == frozenset() and not policy.can_see_restricted(inactive)
    assert policy.roles_of(U("committee", "staff")) == {"committee", "staff"}
    both = U("committee", "staff")  # the committee member who also files the committee's minutas
    assert policy.can_upload(both) and policy.can_review(both) and not policy.can_administer(both)
    assert not policy.can_upload(U()) and not policy.can_see_restricted(U())
    # staff withdraw, only admins purge (mutmut: these had no test in the mutation selection)
    assert policy.can_withdraw(U("staff")) and policy.can_withdraw(U("admin"))
    assert not policy.can_withdraw(U("committee")) and not policy.can_withdraw(None)
    assert policy.can_purge(U("admin")) and not policy.can_purge(U("staff")) and not policy.can_purge(None)
    assert not policy.can_purge(both) and not policy.can_purge(inactive)


def test_the_file_rules_of_restricted_evidence_with_a_public_version():
    """Plain objects standing in for rows: what each reader sees, downloads and lets shared caches keep."""
    from types import SimpleNamespace as Row

    class U:
        is_authenticated = True
        roles = frozenset({"staff"})

    def file(version, published=False):
        return Row(version=version, published=published, purged_at=None, is_public_version=False)

    def redacted():
        return Row(version=None, published=True, purged_at=None, is_public_version=True)

    old, current, stale, newest = file(1), file(2), redacted(), redacted()
    e = Row(is_public=False, withdrawn_at=None, files=[old, current], current=current, public_version=newest,
            has_public_version=True)
    staff = U()
    assert policy.can_see_evidence(None, e) and policy.can_see_evidence(staff, e)
    assert policy.file_shown(None, e) is newest and policy.file_shown(staff, e) is current
    assert policy.gets_original_bytes(staff) and not policy.gets_original_bytes(None)
    assert policy.can_download_version(None, e, newest)
    for f in (old, current, stale):
        assert not policy.can_download_version(None, e, f) and policy.can_download_version(staff, e, f)
    assert policy.downloadable_versions(None, e) == [] and policy.downloadable_versions(staff, e) == [old, current]
    purged = file(3)
    purged.purged_at = "2026-12-01"  # purged bytes are for nobody, staff included
    assert not policy.can_download_version(staff, e, purged) and not policy.can_download_version(None, e, purged)
    assert policy.shared_caches_may_keep(e, newest)
    assert not any(policy.shared_caches_may_keep(e, f) for f in (old, current, stale))
    bare = Row(is_public=False, withdrawn_at=None, files=[current], current=current, public_version=None,
               has_public_version=False)
    assert not policy.can_see_evidence(None, bare) and policy.file_shown(staff, bare) is current
    e.withdrawn_at = "2026-12-01"  # withdrawn: its public version goes with it
    assert not policy.can_see_evidence(None, e) and not policy.can_download_version(None, e, newest)
    assert not policy.shared_caches_may_keep(e, newest) and policy.can_see_evidence(staff, e)
    public = Row(is_public=True, withdrawn_at=None, files=[old, current], current=current, public_version=None,
                 has_public_version=False)
    assert policy.file_shown(None, public) is current and policy.shared_caches_may_keep(public, current)
    assert policy.can_download_version(None, public, current) and not policy.can_download_version(None, public, old)
    old.published = True  # an admin published the older version of public evidence
    assert policy.can_download_version(None, public, old) and not policy.can_download_version(None, e, old)


@pytest.fixture
def restricted_id(client, staff_token, worker):
    r = client.post("/api/v1/evidence", headers={"Authorization": f"Bearer {staff_token}"},
                    content_type="multipart/form-data",
                    data={"milestone": "6", "means": "Lista de asistencia", "visibility": "restricted",
                          "title": "Lista con firmas", "file": (io.BytesIO(f"Firma: {SECRET}".encode()), "l.txt")})
    assert r.status_code == 201, r.get_data(as_text=True)
    worker.drain()
    return r.get_json()["id"]


def _url_for_rule(rule, restricted_id):
    values = {"evidence_id": restricted_id, "number": 6, "fmt": "pdf", "filename": "site.css", "page": 1,
              "action": "actividad", "slug": "jalisco-apoyo-organizaciones-sociedad-civil",
              "commitment_slug": "jalisco-apoyo-organizaciones-sociedad-civil",
              "plan_slug": "plan-accion-local-jalisco-2019"}
    return re.sub(r"<(?:[^:>]+:)?(\w+)(?:\([^)]*\))?>", lambda m: str(values[m.group(1)]), rule.rule)


def test_every_route_consults_the_visibility_policy(app, restricted_id, make_user, staff_token):
    consulted: dict[str, bool] = {}

    def remember(sender, response, **extra):
        from flask import request

        consulted[request.endpoint] = consulted.get(request.endpoint, False) or bool(
            g.get("visibility_policy_consulted"))

    make_user("admin@jalisco.gob.mx", "admin")
    anonymous, admin = app.test_client(), app.test_client()
    login(admin, "admin@jalisco.gob.mx")
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods]
    assert len(rules) > 15
    with request_finished.connected_to(remember, app):
        for rule in rules:
            url = _url_for_rule(rule, restricted_id)
            for client in (anonymous, admin):
                headers = {"Authorization": f"Bearer {staff_token}"} if rule.endpoint.startswith("api.") and \
                    client is admin else {}
                response = client.get(url, headers=headers)
                assert response.status_code < 500, (url, response.status_code)
                if client is anonymous:
                    assert SECRET.encode() not in response.get_data().lower(), url
    for rule in rules:
        if rule.endpoint in SHOWS_NO_EVIDENCE:
            continue
        assert consulted.get(rule.endpoint), f"{rule.endpoint} ({rule.rule}) never asked evidence_repo.policy"
    assert set(SHOWS_NO_EVIDENCE) <= {r.endpoint for r in rules}, "stale entries in SHOWS_NO_EVIDENCE"
