"""`evidence-repo check`: do the database, the stored files and the index agree, and are the bytes intact?"""
from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidence_repo.evidence.indexing import search_visibility
from evidence_repo.evidence.models import Evidence, EvidenceFile, IndexTask, PublicVersion
from evidence_repo.plan.models import Commitment, Milestone
from storage import BlobStore


@dataclass
class CheckReport:
    files_checked: int = 0
    missing_files: list[str] = field(default_factory=list)
    hash_mismatches: list[str] = field(default_factory=list)
    orphan_files: list[str] = field(default_factory=list)
    missing_from_index: list[int] = field(default_factory=list)
    extra_in_index: list[int] = field(default_factory=list)
    drifted: dict[int, str] = field(default_factory=dict)  # evidence id -> how the index differs from the database
    pending_tasks: int = 0
    failing_tasks: list[str] = field(default_factory=list)
    refused_files: int = 0  # refused uploads set aside, still within their time
    expired_refused: list[str] = field(default_factory=list)  # refused uploads past their time, still on disk

    @property
    def ok(self) -> bool:
        return not (self.missing_files or self.hash_mismatches or self.missing_from_index or self.extra_in_index
                    or self.drifted or self.expired_refused)

    def lines(self) -> list[str]:
        out = [f"Archivos verificados (SHA-256): {self.files_checked}"]
        sections: list[tuple[str, list[str] | list[int]]] = [
            ("Archivos faltantes", self.missing_files),
            ("Archivos alterados (el SHA-256 no coincide)", self.hash_mismatches),
            ("Archivos huérfanos (sin evidencia)", self.orphan_files),
            ("Evidencias que faltan en el índice", self.missing_from_index),
            ("Documentos del índice sin evidencia", self.extra_in_index),
            ("Evidencias que el índice muestra distinto (--repair las reescribe)",
             [f"#{i}: {what}" for i, what in sorted(self.drifted.items())]),
            ("Tareas de indexación que fallan", self.failing_tasks),
            ("Archivos rechazados que ya debían borrarse (--repair los borra)", self.expired_refused),
        ]
        for label, items in sections:
            out.append(f"{label}: {len(items)}")
            out += [f"  - {item}" for item in items[:50]]
            if len(items) > 50:
                out.append(f"  … y {len(items) - 50} más")
        if self.refused_files:
            out.append(f"Archivos rechazados en espera de caducar: {self.refused_files}")
        if self.pending_tasks:
            out.append(f"Tareas de indexación pendientes: {self.pending_tasks}")
        return out


def check(session: Session, store: BlobStore, index, *, progress: Callable[[int], None] | None = None) -> CheckReport:
    report = CheckReport()
    referenced: dict[str, str] = {}
    for ev_id, version, sha, thumb, searchable, public_copy in session.execute(
        select(EvidenceFile.evidence_id, EvidenceFile.version, EvidenceFile.sha256, EvidenceFile.thumbnail_sha256,
               EvidenceFile.searchable_sha256, EvidenceFile.public_sha256)
        .where(EvidenceFile.purged_at.is_(None))  # purged bytes are gone on purpose
    ):
        referenced.setdefault(sha, f"evidencia #{ev_id} v{version} ({sha})")
        if public_copy:
            referenced.setdefault(public_copy, f"copia pública (sin metadatos) de evidencia #{ev_id} v{version}")
        if thumb:
            referenced.setdefault(thumb, f"miniatura de evidencia #{ev_id} v{version} ({thumb})")
        if searchable:
            referenced.setdefault(searchable, f"PDF con texto de evidencia #{ev_id} v{version} ({searchable})")
    for ev_id, sha, public_copy in session.execute(
            select(PublicVersion.evidence_id, PublicVersion.sha256, PublicVersion.public_sha256)
            .where(PublicVersion.purged_at.is_(None))):
        referenced.setdefault(sha, f"versión pública de evidencia #{ev_id} ({sha})")
        if public_copy:
            referenced.setdefault(public_copy, f"copia pública (sin metadatos) de la versión pública de #{ev_id}")
    for sha, label in referenced.items():
        if not store.exists(sha):
            report.missing_files.append(label)
        elif not store.verify(sha):
            report.hash_mismatches.append(label)
        report.files_checked += 1
        if progress:
            progress(1)
    report.orphan_files = [sha for sha in store.iter_blobs() if sha not in referenced]
    expired = {path.name for path in expired_refusals(store, referenced)}
    report.expired_refused = sorted(expired)
    report.refused_files = sum(1 for path, _ in store.iter_refused() if path.name not in expired)
    pending = set(session.scalars(select(IndexTask.evidence_id).where(IndexTask.done_at.is_(None))))
    report.pending_tasks = len(pending)
    in_db = set(session.scalars(select(Evidence.id).where(Evidence.withdrawn_at.is_(None))))
    in_index = {int(i) for i in index.doc_ids()}
    report.missing_from_index = sorted((in_db - in_index) - pending)
    report.extra_in_index = sorted((in_index - in_db) - pending)
    report.drifted = drift(session, index, skip=pending)
    report.failing_tasks = [f"evidencia #{ev}: {attempts} intentos; {error}" for ev, attempts, error in session.execute(
        select(IndexTask.evidence_id, IndexTask.attempts, IndexTask.last_error)
        .where(IndexTask.done_at.is_(None), IndexTask.attempts > 0).order_by(IndexTask.id))]
    return report


def drift(session: Session, index, skip: Collection[int] = ()) -> dict[int, str]:
    """Evidence whose visibility, title or commitment in the index is not the database's (a restricted item
    still public in search is the worst case), except those with pending tasks."""
    indexed = index.doc_states()
    found: dict[int, str] = {}
    with_public_version = set(session.scalars(select(PublicVersion.evidence_id)))
    rows = session.execute(select(Evidence.id, Evidence.visibility, Evidence.title, Commitment.slug)
                           .join(Milestone, Evidence.milestone_id == Milestone.id)
                           .join(Commitment, Milestone.commitment_id == Commitment.id))
    for ev_id, visibility, title, commitment in rows:
        state = indexed.get(str(ev_id))
        if state is None or ev_id in skip:
            continue
        # restricted evidence with a versión pública is indexed as public, with that version's text only
        wanted = {"visibility": search_visibility(visibility, ev_id in with_public_version), "title": title,
                  "commitment": commitment}
        differences = [f"{key} «{state.get(key)}» en el índice, «{value}» en la base de datos"
                       for key, value in wanted.items() if state.get(key) != value]
        if differences:
            found[ev_id] = "; ".join(differences)
    return found


def expired_refusals(store: BlobStore, referenced: Collection[str]) -> list[Path]:
    """Refused uploads past their time: in ``.refused/``, and (from before it existed) files in the quarantine
    that no evidence refers to (damaged evidence files moved there for repair are never touched)."""
    cutoff = time.time() - store.refused_seconds
    found = [path for path, uploaded in store.iter_refused() if uploaded < cutoff]
    if store.quarantine_dir.is_dir():
        for path in sorted(store.quarantine_dir.iterdir()):
            if path.is_file() and path.name.split(".")[0] not in referenced and path.stat().st_mtime < cutoff:
                found.append(path)
    return found


def remove_expired_refusals(session: Session, store: BlobStore) -> int:
    """``check --repair``: delete the refused uploads :func:`expired_refusals` finds."""
    referenced = set(session.scalars(select(EvidenceFile.sha256)))
    referenced |= set(session.scalars(select(EvidenceFile.thumbnail_sha256).where(
        EvidenceFile.thumbnail_sha256.is_not(None))))
    for column in (EvidenceFile.public_sha256, PublicVersion.sha256, PublicVersion.public_sha256):
        referenced |= set(session.scalars(select(column).where(column.is_not(None))))
    paths = expired_refusals(store, referenced)
    for path in paths:
        path.unlink(missing_ok=True)
    return len(paths)
