"""Versión pública: restricted evidence (it holds personal data) gets a redacted file staff upload for the public.

The public then sees, downloads and searches that file, and only it; staff see both. The evidence itself stays
restricted: its own files, text, older versions and thumbnails never reach the public (policy.py says who gets
which file; evidence.indexing.to_document gives the search index the redacted text only).
"""
from __future__ import annotations

import datetime as dt
from typing import IO

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from evidence_repo.accounts.models import User
from evidence_repo.audit import record
from evidence_repo.evidence.models import Evidence, IndexTask, PublicVersion
from evidence_repo.evidence.operations import EvidenceError, _store, public_copy_of, safe_filename
from storage import BlobStore


def add_public_version(session: Session, store: BlobStore, evidence: Evidence, stream: IO[bytes],
                       filename: str | None, user: User | None, *, max_bytes: int | None = None) -> PublicVersion:
    """Store a redacted file as the versión pública of restricted ``evidence`` (audited; the worker extracts its
    text and then publishes it to search). The caller commits."""
    if evidence.is_public:
        raise EvidenceError(_l("Sólo la evidencia restringida lleva versión pública: esta ya es pública."), "file", 409)
    if evidence.is_withdrawn:
        raise EvidenceError(_l("Esta evidencia fue retirada."), "file", 409)
    blob, mime = _store(store, stream, max_bytes)
    if any(f.sha256 == blob.sha256 for f in evidence.files):
        raise EvidenceError(_l("Ese es el archivo original, no una versión testada: suba la copia con los datos "
                               "personales tachados."), "file", 409)
    previous = evidence.public_version
    if previous is not None and previous.sha256 == blob.sha256:
        raise EvidenceError(_l("El archivo es idéntico a la versión pública actual."), "file", 409)
    version = PublicVersion(sha256=blob.sha256, size=blob.size, mime_type=mime,
                            original_name=safe_filename(filename), uploaded_by=user,
                            public_sha256=public_copy_of(store, blob.sha256, mime))
    evidence.public_versions.append(version)
    evidence.updated_at = dt.datetime.now(dt.UTC)
    session.flush()
    session.add(IndexTask(evidence_id=evidence.id))  # extract its text, then index it for the public
    record(session, user.id if user else None, "evidence.public_version", "evidence", evidence.id,
           before={"public_version": {"sha256": previous.sha256, "file_name": previous.original_name}
                   if previous else None},
           after={"public_version": {"sha256": version.sha256, "size": version.size,
                                     "file_name": version.original_name}})
    return version
