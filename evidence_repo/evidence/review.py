"""Committee review: a member validates a piece of evidence or observes it, saying what is wrong."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from evidence_repo.accounts.models import User
from evidence_repo.audit import record
from evidence_repo.evidence.models import Evidence, EvidenceReview, ReviewState
from evidence_repo.evidence.operations import EvidenceError

MAX_COMMENT = 5000


def review_evidence(session: Session, evidence: Evidence, state: str, comment: str | None,
                    user: User) -> EvidenceReview:
    comment = (comment or "").strip() or None
    if state not in (ReviewState.validated.value, ReviewState.observed.value):
        raise EvidenceError(_l("Elija «validada» u «observada»."), "state")
    if state == ReviewState.observed.value and not comment:
        raise EvidenceError(_l("Para observar una evidencia escriba qué está mal o qué falta."), "comment")
    if comment and len(comment) > MAX_COMMENT:
        raise EvidenceError(_l("El comentario no puede pasar de %(n)s caracteres.", n=MAX_COMMENT), "comment")
    before = {"state": evidence.review_state, "version": evidence.current.version}
    review = EvidenceReview(evidence_id=evidence.id, file_version=evidence.current.version, state=state,
                            comment=comment, user_id=user.id)
    session.add(review)
    session.flush()
    record(session, user.id, "evidence.review", "evidence", evidence.id, before=before,
           after={"state": state, "comment": comment, "version": evidence.current.version})
    session.expire(evidence, ["reviews"])
    return review
