"""The audit log's hash chain, as plain functions: the app, the migration that chained old rows and
``audit verify`` compute it the same way.

hash = SHA-256(previous hash + "\\n" + canonical JSON of the record's fields); the first record's previous hash
is 64 zeros. Canonical JSON: keys sorted, no spaces, UTF-8, values as the database hands them back.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical_at(at: datetime | str | None) -> str | None:
    if at is None or isinstance(at, str):
        return at
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def canonical(fields: Mapping[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def record_hash(previous: str, fields: Mapping[str, Any]) -> str:
    # Round-trip through JSON first: the database stores before/after as JSON and hands back exactly that.
    normalised = json.loads(canonical(fields))
    return hashlib.sha256((previous + "\n" + canonical(normalised)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Break:
    record_id: int
    problem: str


def first_break(rows: Iterable[tuple[str | None, str | None, Mapping[str, Any]]]) -> Break | None:
    """The first record whose stored hashes do not follow from the records before it.

    ``rows``: (prev_hash, hash, fields) in id order. A deleted row shows as the next row's prev_hash not
    matching; an edited row as its own hash not matching its fields.
    """
    previous = GENESIS
    for prev_hash, stored, fields in rows:
        record_id = fields["id"]
        if prev_hash != previous:
            return Break(record_id, "previous" if stored else "unchained")
        if stored != record_hash(previous, fields):
            return Break(record_id, "altered")
        previous = stored
    return None
