"""Recompute the audit chain from the database: the answer of ``evidence-repo audit verify`` and ``check``."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evidence_repo.audit import AuditRecord
from evidence_repo.audit.chain import Break, first_break


@dataclass(frozen=True)
class ChainReport:
    records: int
    head: str | None
    broken: Break | None
    previous_id: int | None = None  # the record before the broken one

    @property
    def ok(self) -> bool:
        return self.broken is None

    def message(self) -> str:
        if self.broken is None:
            return f"Registro de auditoría: {self.records} registros encadenados; cabeza {self.head or '—'}"
        b = self.broken
        if b.problem == "altered":
            why = "su contenido no coincide con su hash (se editó)"
        elif b.problem == "unchained":
            why = "no tiene hash (se insertó fuera de la aplicación)"
        else:
            after = f"el registro #{self.previous_id}" if self.previous_id else "el inicio"
            why = f"no sigue a {after} (se borró o alteró un registro anterior)"
        return f"Registro de auditoría roto en el registro #{b.record_id}: {why}"


def _rows(session: Session) -> Iterator[tuple[str | None, str | None, dict[str, Any]]]:
    query = select(AuditRecord).order_by(AuditRecord.id).execution_options(yield_per=1000)
    for row in session.scalars(query):
        yield row.prev_hash, row.hash, row.fields()


def verify(session: Session) -> ChainReport:
    total = session.scalar(select(func.count()).select_from(AuditRecord)) or 0
    broken = first_break(_rows(session))
    if broken is not None:
        previous = session.scalar(select(func.max(AuditRecord.id)).where(AuditRecord.id < broken.record_id))
        return ChainReport(total, None, broken, previous)
    head = session.scalar(select(AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1))
    return ChainReport(total, head, None)
