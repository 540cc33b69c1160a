"""Who may see and do what: the one answer, used by views, the API, templates, search, feeds and exports.

Restricted evidence (personal data) exists only for the people who work with it. Every place that shows
evidence asks :func:`can_see_restricted` (or :func:`audience`, its search form) with the user at hand: the
signed-in user on pages, the token's user in the API, nobody (``None``) for anonymous readers and public
exports. Later rules (per programme) extend these functions, not their callers.

The role matrix. A user holds a set of roles and may do what any of them allows:

=================  ======================================================================
anonymous          read public evidence, the plan and compliance; send observations
staff              + see restricted evidence, upload, edit, replace, withdraw, answer committee agreements,
                   moderate and answer observations
committee          + see restricted evidence, review, record committee agreements, moderate and answer observations
admin              + manage users and the plan, purge (and everything staff and committee may)
=================  ======================================================================
"""
from __future__ import annotations

from typing import Any, Protocol

from flask import g, has_request_context

PUBLIC = "public"
RESTRICTED = "restricted"
PUBLIC_ONLY: frozenset[str] = frozenset({PUBLIC})
EVERYTHING: frozenset[str] = frozenset({PUBLIC, RESTRICTED})

READERS_OF_RESTRICTED = frozenset({"admin", "staff", "committee"})
UPLOADERS = frozenset({"admin", "staff"})
REVIEWERS = frozenset({"admin", "committee"})
ADMINISTRATORS = frozenset({"admin"})


class Person(Protocol):
    @property
    def is_authenticated(self) -> bool: ...

    roles: Any


def roles_of(user: Person | None) -> frozenset[str]:
    """The roles ``user`` holds; none for anonymous readers and inactive accounts."""
    if user is None or not user.is_authenticated or not getattr(user, "is_active", True):
        return frozenset()
    return frozenset(user.roles or ())  # Role members are str: they compare and hash as their names


def _holds_any(user: Person | None, allowed: frozenset[str]) -> bool:
    return bool(roles_of(user) & allowed)


def can_see_restricted(user: Person | None) -> bool:
    """May ``user`` see restricted evidence (in pages, search, counts, exports, the API)?"""
    if has_request_context():
        g.visibility_policy_consulted = True  # lets the route-walk test prove every page asks
    return _holds_any(user, READERS_OF_RESTRICTED)


def audience(user: Person | None) -> frozenset[str]:
    """The visibility levels ``user`` may search: passed to the search backend, never read from a request."""
    return EVERYTHING if can_see_restricted(user) else PUBLIC_ONLY


def shared_caches_may_keep(evidence: Any, file: Any) -> bool:
    """May a download or thumbnail of ``file`` be kept by browsers' and proxies' shared caches?

    Only the current file of public evidence and the versión pública of restricted evidence: anything else is
    sent ``private, no-store`` so that neither a proxy nor the browser's disk keeps a copy after the reader leaves
    or the evidence is restricted.
    """
    if file.is_public_version:
        return file is evidence.public_version and evidence.withdrawn_at is None
    return bool(evidence.is_public) and file is evidence.current


def can_upload(user: Person | None) -> bool:
    """Upload, edit metadata, replace files, withdraw."""
    return _holds_any(user, UPLOADERS)


def can_review(user: Person | None) -> bool:
    return _holds_any(user, REVIEWERS)


def can_record_agreement(user: Person | None) -> bool:
    """The follow-up committee records the agreements (acuerdos) of its meetings."""
    return _holds_any(user, REVIEWERS)


def can_answer_agreement(user: Person | None) -> bool:
    """Staff answer an agreement with a reply and the evidence that shows it done."""
    return _holds_any(user, UPLOADERS)


def can_administer(user: Person | None) -> bool:
    """Users, roles, the plan, purges."""
    return _holds_any(user, ADMINISTRATORS)


def can_moderate_observations(user: Person | None) -> bool:
    """Accept, reject and answer citizens' observations: staff and the committee (and admins)."""
    return _holds_any(user, READERS_OF_RESTRICTED)


def can_list_evidence(user: Person | None) -> bool:
    """The staff list of all evidence (restricted included) is for those who may see restricted evidence."""
    return _holds_any(user, READERS_OF_RESTRICTED)


def can_see_evidence(user: Person | None, evidence: Any) -> bool:
    """Public evidence that was not withdrawn is for everyone; the rest for those who may see restricted evidence."""
    if can_see_restricted(user):
        return True
    return bool(evidence.withdrawn_at is None and (evidence.is_public or evidence.has_public_version))


def file_shown(user: Person | None, evidence: Any) -> Any:
    """The file ``user`` sees as the evidence's own: its current version, or for the public the versión pública
    of restricted evidence (never the restricted file itself, its text or its thumbnail)."""
    if evidence.is_public or can_see_restricted(user):
        return evidence.current
    return evidence.public_version


def gets_original_bytes(user: Person | None) -> bool:
    """Staff download files exactly as uploaded; the public gets photos without their metadata (EXIF, GPS)."""
    return can_see_restricted(user)


def can_withdraw(user: Person | None) -> bool:
    """Staff withdraw (hide from the public, keep the file); nobody but an admin purges."""
    return _holds_any(user, UPLOADERS)


def can_purge(user: Person | None) -> bool:
    return _holds_any(user, ADMINISTRATORS)


def can_download_version(user: Person | None, evidence: Any, file: Any) -> bool:
    """The current file of public evidence the user may see; an older version of public evidence only for those who
    may see restricted evidence, unless an admin published that version (replacing a file takes its contents back);
    of restricted evidence, the public gets its newest versión pública and nothing else. Purged bytes are for
    nobody."""
    if file.purged_at is not None:
        return False
    if can_see_restricted(user):
        return True
    if not can_see_evidence(None, evidence):  # the public's view: ``user`` may not see restricted evidence
        return False
    if file.is_public_version:  # of restricted evidence: only the newest one, the others were superseded
        return file is evidence.public_version
    return bool(evidence.is_public and (file.version == evidence.current.version or file.published))


def downloadable_versions(user: Person | None, evidence: Any) -> list:
    """The versions of ``evidence`` that ``user`` may download, oldest first."""
    return [f for f in evidence.files if can_download_version(user, evidence, f)]


def can_manage_token(user: Person | None, owner_id: int) -> bool:
    """A token is listed and revoked by its owner and by admins."""
    return bool(roles_of(user)) and (getattr(user, "id", None) == owner_id or can_administer(user))
