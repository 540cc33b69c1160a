"""Nothing is lost: staff withdraw evidence (hidden from the public, file kept, its address says why); only an
admin purges, which removes the bytes but keeps the rows, their SHA-256 and the audit record."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from evidence_repo.accounts.models import User
from evidence_repo.audit import record
from evidence_repo.evidence.models import Evidence, EvidenceFile, IndexTask, PublicVersion
from evidence_repo.evidence.operations import EvidenceError

MAX_REASON = 2000


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise EvidenceError(_l("Indique el motivo; se mostrará en la dirección de la evidencia."), "reason")
    if len(reason) > MAX_REASON:
        raise EvidenceError(_l("El motivo no puede pasar de %(n)s caracteres.", n=MAX_REASON), "reason")
    return reason


def withdraw(session: Session, evidence: Evidence, user: User | None, reason: str | None) -> None:
    """Hide ``evidence`` from the public everywhere (the index through its task); the caller commits."""
    reason = _reason(reason)
    if evidence.withdrawn_at is not None:
        raise EvidenceError(_l("Esta evidencia ya fue retirada."), None, 409)
    evidence.withdrawn_at = dt.datetime.now(dt.UTC)
    evidence.withdrawn_reason = reason
    evidence.withdrawn_by_id = user.id if user else None
    session.add(IndexTask(evidence_id=evidence.id))
    record(session, user.id if user else None, "evidence.withdraw", "evidence", evidence.id,
           before={"withdrawn": False, "visibility": evidence.visibility},
           after={"withdrawn": True, "visibility": evidence.visibility, "reason": reason})


def purge(session: Session, evidence: Evidence, user: User | None, reason: str | None) -> list[str]:
    """Forget the bytes and extracted text of every version of withdrawn ``evidence``, its versiones públicas and
    every copy made of them. Returns the SHA-256 of the blobs nothing else refers to, for the caller to remove from
    the store once the transaction committed."""
    reason = _reason(reason)
    if evidence.withdrawn_at is None:
        raise EvidenceError(_l("Sólo se puede purgar una evidencia retirada."), None, 409)
    files = [f for f in evidence.files if f.purged_at is None]
    if not files:
        raise EvidenceError(_l("Esta evidencia ya fue purgada."), None, 409)
    versions = [p for p in evidence.public_versions if p.purged_at is None]
    now = dt.datetime.now(dt.UTC)
    # the file, its thumbnail, its searchable copy (a scan's text over its image) and its copy without metadata
    # (photos): all hold the same content
    candidates = {sha for f in files for sha in (f.sha256, f.thumbnail_sha256, f.searchable_sha256, f.public_sha256)
                  if sha}
    candidates |= {sha for p in versions for sha in (p.sha256, p.public_sha256) if sha}
    gone = [{"version": f.version, "sha256": f.sha256, "size": f.size, "file_name": f.original_name}
            for f in files]
    gone += [{"public_version": True, "sha256": p.sha256, "size": p.size, "file_name": p.original_name}
             for p in versions]
    for f in files:
        f.purged_at, f.text = now, None
        f.thumbnail_sha256 = f.searchable_sha256 = f.public_sha256 = None
    for p in versions:
        p.purged_at, p.text, p.public_sha256 = now, None, None
    session.add(IndexTask(evidence_id=evidence.id))  # staff searches must not find the forgotten text either
    session.flush()
    record(session, user.id if user else None, "evidence.purge", "evidence", evidence.id,
           before={"files": gone}, after={"purged": True, "reason": reason})
    return sorted(candidates - _still_used(session, candidates))


def _still_used(session: Session, candidates: set[str]) -> set[str]:
    """The blobs among ``candidates`` that a file or versión pública not purged still refers to."""
    used: set[str] = set()
    for live, columns in (
        (EvidenceFile.purged_at.is_(None), (EvidenceFile.sha256, EvidenceFile.thumbnail_sha256,
                                            EvidenceFile.searchable_sha256, EvidenceFile.public_sha256)),
        (PublicVersion.purged_at.is_(None), (PublicVersion.sha256, PublicVersion.public_sha256)),
    ):
        for column in columns:
            used |= set(session.scalars(select(column).where(live, column.in_(candidates))))
    return used
