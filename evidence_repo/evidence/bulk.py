"""Bulk import: many files, each stored or refused on its own, with a summary at the end."""
from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from evidence_repo.accounts.models import User
from evidence_repo.evidence.operations import DuplicateEvidence, EvidenceError, EvidenceInput, add_evidence
from storage import BlobStore

MANIFEST_COLUMNS = ["path", "milestone", "activity", "means", "title", "date", "visibility", "commitment"]


@dataclass
class IngestItem:
    path: Path
    data: EvidenceInput


@dataclass
class IngestSummary:
    stored: list[tuple[str, int]] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def items_from_directory(directory: Path, milestone: int, means: str, activity: int | None = None,
                         visibility: str = "public", *, commitment: str | None = None) -> list[IngestItem]:
    files = sorted(p for p in Path(directory).rglob("*") if p.is_file() and not p.name.startswith("."))
    return [IngestItem(p, EvidenceInput(milestone=milestone, means=means, activity=activity,
                                        visibility=visibility, commitment=commitment)) for p in files]


def items_from_manifest(manifest: Path, commitment: str | None = None) -> list[IngestItem]:
    """Relative paths are taken from the manifest's folder; a row's ``commitment`` column wins over ``commitment``."""
    base = Path(manifest).parent
    with open(manifest, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("path", "milestone", "means") if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"Al manifiesto le faltan columnas: {', '.join(missing)} "
                             f"(se esperan {', '.join(MANIFEST_COLUMNS)})")
        items = []
        for row in reader:
            raw = (row.get("path") or "").strip()
            if not raw:
                continue
            path = Path(raw) if Path(raw).is_absolute() else base / raw
            items.append(IngestItem(path, EvidenceInput(
                milestone=row.get("milestone"), means=row.get("means"), activity=row.get("activity") or None,
                title=row.get("title"), date=row.get("date"), visibility=row.get("visibility") or "public",
                commitment=(row.get("commitment") or "").strip() or commitment)))
    return items


def ingest_items(session: Session, store: BlobStore, items: list[IngestItem], user: User | None, *,
                 max_bytes: int | None = None, progress: Callable[[int], None] | None = None) -> IngestSummary:
    summary = IngestSummary()
    for item in items:
        label = str(item.path)
        try:
            with open(item.path, "rb") as fh:
                evidence = add_evidence(session, store, fh, item.path.name, item.data, user, max_bytes=max_bytes)
            session.commit()
            summary.stored.append((label, evidence.id))
        except DuplicateEvidence as exc:
            session.rollback()
            summary.duplicates.append((label, exc.message))
        except EvidenceError as exc:
            session.rollback()
            summary.failed.append((label, exc.message))
        except OSError as exc:
            session.rollback()
            summary.failed.append((label, f"no se pudo leer el archivo ({exc.strerror or exc})"))
        if progress:
            progress(1)
    return summary
