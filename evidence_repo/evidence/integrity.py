"""`evidence-repo check`: do the database, the stored files and the index agree, and are the bytes intact?"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidence_repo.evidence.models import Evidence, EvidenceFile, IndexTask
from storage import BlobStore


@dataclass
class CheckReport:
    files_checked: int = 0
    missing_files: list[str] = field(default_factory=list)
    hash_mismatches: list[str] = field(default_factory=list)
    orphan_files: list[str] = field(default_factory=list)
    missing_from_index: list[int] = field(default_factory=list)
    extra_in_index: list[int] = field(default_factory=list)
    pending_tasks: int = 0

    @property
    def ok(self) -> bool:
        return not (self.missing_files or self.hash_mismatches or self.missing_from_index or self.extra_in_index)

    def lines(self) -> list[str]:
        out = [f"Archivos verificados (SHA-256): {self.files_checked}"]
        sections: list[tuple[str, list[str] | list[int]]] = [
            ("Archivos faltantes", self.missing_files),
            ("Archivos alterados (el SHA-256 no coincide)", self.hash_mismatches),
            ("Archivos huérfanos (sin evidencia)", self.orphan_files),
            ("Evidencias que faltan en el índice", self.missing_from_index),
            ("Documentos del índice sin evidencia", self.extra_in_index),
        ]
        for label, items in sections:
            out.append(f"{label}: {len(items)}")
            out += [f"  - {item}" for item in items[:50]]
            if len(items) > 50:
                out.append(f"  … y {len(items) - 50} más")
        if self.pending_tasks:
            out.append(f"Tareas de indexación pendientes: {self.pending_tasks}")
        return out


def check(session: Session, store: BlobStore, index, *, progress: Callable[[int], None] | None = None) -> CheckReport:
    report = CheckReport()
    referenced: dict[str, str] = {}
    for ev_id, version, sha, thumb, searchable in session.execute(
        select(EvidenceFile.evidence_id, EvidenceFile.version, EvidenceFile.sha256, EvidenceFile.thumbnail_sha256,
               EvidenceFile.searchable_sha256)
    ):
        referenced.setdefault(sha, f"evidencia #{ev_id} v{version} ({sha})")
        if thumb:
            referenced.setdefault(thumb, f"miniatura de evidencia #{ev_id} v{version} ({thumb})")
        if searchable:
            referenced.setdefault(searchable, f"PDF con texto de evidencia #{ev_id} v{version} ({searchable})")
    for sha, label in referenced.items():
        if not store.exists(sha):
            report.missing_files.append(label)
        elif not store.verify(sha):
            report.hash_mismatches.append(label)
        report.files_checked += 1
        if progress:
            progress(1)
    report.orphan_files = [sha for sha in store.iter_blobs() if sha not in referenced]
    pending = set(session.scalars(select(IndexTask.evidence_id).where(IndexTask.done_at.is_(None))))
    report.pending_tasks = len(pending)
    in_db = set(session.scalars(select(Evidence.id)))
    in_index = {int(i) for i in index.doc_ids()}
    report.missing_from_index = sorted((in_db - in_index) - pending)
    report.extra_in_index = sorted((in_index - in_db) - pending)
    return report
