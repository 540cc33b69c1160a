"""What the public may check: the manifest of every public file with the audit chain's head, and the activity
list (public events, no personal data, nothing about restricted or withdrawn-and-unnamed evidence).

Both are the same for every reader (built for ``viewer=None``), so a signed-in reader sees the public view.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from evidence_repo.audit import AuditRecord, head
from evidence_repo.evidence.models import Evidence
from evidence_repo.evidence.operations import public_evidence_clause
from evidence_repo.policy import can_download_version, can_see_evidence
from storage import BlobStore


@dataclass(frozen=True)
class PublicFile:
    evidence_id: int
    version: int
    file_name: str
    sha256: str
    size: int
    date: dt.datetime


@dataclass(frozen=True)
class ChainHead:
    record_id: int | None
    hash: str


def public_files(session: Session, store: BlobStore | None = None) -> list[PublicFile]:
    """Every file anyone may download: current versions of public evidence, versions an admin published, and the
    versión pública of restricted evidence (version 0 in the manifest: it is none of the evidence's own files).
    The SHA-256 and size are those of the bytes the public gets (photos without their metadata)."""
    rows = session.scalars(
        select(Evidence).where(public_evidence_clause())
        .options(selectinload(Evidence.files), selectinload(Evidence.public_versions)).order_by(Evidence.id)
    )
    found = []
    for e in rows:
        if not can_see_evidence(None, e):
            continue
        files: list[Any] = [*e.files, *e.public_versions]
        for f in files:
            if can_download_version(None, e, f):
                found.append(PublicFile(e.id, f.version or 0, f.original_name, f.public_sha256 or f.sha256,
                                        _public_size(f, store), f.uploaded_at))
    return found


def _public_size(f: Any, store: BlobStore | None) -> int:
    """The size of what the public downloads (the copy without metadata, when there is one)."""
    if not f.public_sha256 or store is None:
        return f.size
    try:
        return store.path_for(f.public_sha256).stat().st_size
    except OSError:
        return f.size
    from evidence_repo.services import services

    try:
        return services().blobs.path_for(f.public_sha256).stat().st_size
    except (OSError, RuntimeError):
        return f.size


def chain_head(session: Session) -> ChainHead:
    record_id, digest = head(session)
    return ChainHead(record_id, digest)


def _cell(value: Any) -> Any:
    """Spreadsheets run cells that start with = + - @ as formulas; a leading apostrophe keeps them text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def manifest_csv(files: list[PublicFile], top: ChainHead) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kind", "evidence_id", "version", "file_name", "sha256", "size", "date"])
    for f in files:
        writer.writerow(["file", f.evidence_id, f.version, _cell(f.file_name), f.sha256, f.size,
                         f.date.isoformat()])
    writer.writerow(["audit_chain_head", "", top.record_id or "", "", top.hash, "", ""])
    return out.getvalue()


# Evidence actions shown on the public activity page; every plan action ("plan.…") is shown too.
EVIDENCE_ACTIONS = ("evidence.create", "evidence.replace_file", "evidence.update", "evidence.review",
                    "evidence.withdraw", "evidence.purge", "evidence.publish_version", "evidence.public_version")


@dataclass(frozen=True)
class Event:
    record_id: int
    at: dt.datetime
    action: str
    evidence_id: int | None
    title: str | None  # current title of public evidence; None for withdrawn evidence
    detail: str | None  # a withdrawal's public reason, a review's decision
    hash: str | None


def public_events(session: Session, *, before_id: int | None = None, limit: int = 100) -> list[Event]:
    """Newest first: events about evidence the public may see now (or the withdrawal of public evidence), and
    plan changes. Never who did it, never restricted evidence, never before/after values beyond the above."""
    public = or_(AuditRecord.action.in_(EVIDENCE_ACTIONS), AuditRecord.action.like("plan.%"))
    events: list[Event] = []
    cursor = before_id
    while len(events) < limit:
        query = select(AuditRecord).where(public).order_by(AuditRecord.id.desc())
        if cursor is not None:
            query = query.where(AuditRecord.id < cursor)
        batch = session.scalars(query.limit(limit * 2)).all()
        if not batch:
            break
        ids = {r.entity_id for r in batch if r.entity == "evidence" and r.entity_id is not None}
        evidence = {e.id: e for e in session.scalars(select(Evidence).where(Evidence.id.in_(ids))
                                                     .options(selectinload(Evidence.files),
                                                              selectinload(Evidence.public_versions)))}
        for r in batch:
            event = _public_event(r, evidence)
            if event is not None:
                events.append(event)
        cursor = batch[-1].id
    return events[:limit]


def _public_event(r: AuditRecord, evidence: dict[int, Evidence]) -> Event | None:
    if r.entity != "evidence":
        return Event(r.id, r.at, r.action if r.action == "plan.import" else "plan.change", None, None, None, r.hash)
    e = evidence.get(r.entity_id or 0)
    if e is not None and r.action == "evidence.public_version" and can_see_evidence(None, e):
        return Event(r.id, r.at, r.action, e.id, e.title, None, r.hash)  # what the public now sees of it
    if e is None or not e.is_public:
        return None  # restricted evidence (or once restricted) leaves no trace here
    if e.is_withdrawn:
        if r.action not in ("evidence.withdraw", "evidence.purge"):
            return None
        reason = (r.after or {}).get("reason") if r.action == "evidence.withdraw" else None
        return Event(r.id, r.at, r.action, e.id, None, reason, r.hash)
    if not can_see_evidence(None, e):
        return None
    detail = (r.after or {}).get("state") if r.action == "evidence.review" else None
    return Event(r.id, r.at, r.action, e.id, e.title, detail, r.hash)
