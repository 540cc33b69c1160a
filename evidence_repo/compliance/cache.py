"""Compliance results kept per process and shared by its requests, valid for one generation of the data.

A result (`views.Compliance`) is keyed by (commitment id, as-of date, soon days, data generation). It holds no
database objects and is the same for every reader: restricted evidence counts for everyone, and whether it is
*named* is decided when the result is rendered, by the caller's audience (renderings memoised on the result carry
the audience in their own key, see `Compliance.rendered`).

**The data generation** is read from the audit trail, which every change that can move compliance already writes
in the same transaction as the change: uploads (web, API, bulk ingest: `evidence.create`), replaced files
(`evidence.replace_file`), metadata edits that change something (`evidence.update`), committee reviews
(`evidence.review`), withdrawals, purges, admin plan edits (`plan.activity.*`, `plan.requirement.*`) and plan
imports, the seed included (`plan.import`). Records about accounts, sign-ins, tokens and the search index
(`NOT_DATA`) cannot move compliance and are left out of the generation; text extraction writes none.
Audit records are never deleted, so one indexed query, made once per request, tells every process whether anything
changed, whichever process changed it:

* ``max(id)``: with SQLite writers take turns, so ids appear in commit order and a new commit always raises it;
* ``count(*)`` of the last `WINDOW` ids: a database that hands out ids from a sequence can commit a smaller id
  after a larger one; the count still moves then.

A request that has written and not committed bypasses the cache (`uncommitted`): its own changes are not the
database's yet and must never be stored under a generation another transaction may take. Entries of older
generations can no longer be asked for and are dropped as soon as a newer generation is seen; the rest are evicted
least recently used once the results held add up to more than ``max_rows`` evidence rows (a result costs memory in
proportion to its commitment's evidence: measured ~5 MB at 50,000 rows with three renderings), so one huge
commitment cannot crowd the memory and twenty small ones all fit.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evidence_repo.audit import AuditRecord
from evidence_repo.plan.models import Commitment

if TYPE_CHECKING:
    from evidence_repo.compliance.views import Compliance

WINDOW = 1000  # ids: a transaction still open while this many later audit records commit is not plausible
DEFAULT_ROWS = 500_000  # evidence rows held in all results together, ~50 MB
ENTRY_ROWS = 1_000  # what a result costs besides its evidence (plan, assessment, renderings), in rows

Generation = tuple[int, int]
Key = tuple[int, date, int, Generation]  # (commitment id, as-of date, soon days, generation)


class State(NamedTuple):
    generation: Generation
    first: int | None  # id of the first commitment, for callers that name none
    commitments: int  # how many there are (with one, the loader reads evidence without filtering it)


# Audit records about things no compliance figure depends on: accounts, sign-ins (a failed sign-in is audited
# too, so anyone could otherwise empty every process's cache at will), API tokens and the search index.
NOT_DATA = ("user", "api_token", "index")


def read_state(session: Session) -> State:
    """The data generation and two facts about the commitments, in one query."""
    data = AuditRecord.entity.not_in(NOT_DATA)
    # The newest record about data: walking the primary key backwards stops at the first one (max() with a WHERE
    # would read them all).
    newest = select(AuditRecord.id).where(data).order_by(AuditRecord.id.desc()).limit(1).scalar_subquery()
    latest = func.coalesce(newest, 0)
    window = (select(func.count()).select_from(AuditRecord).where(AuditRecord.id > latest - WINDOW, data)
              .scalar_subquery())
    first = select(Commitment.id).order_by(Commitment.id).limit(1).scalar_subquery()
    commitments = select(func.count()).select_from(Commitment).scalar_subquery()
    top, recent, first_id, count = session.execute(select(latest, window, first, commitments)).one()
    return State((int(top), int(recent)), first_id, int(count))


def uncommitted(session: Session) -> bool:
    """True while ``session`` holds changes the database has not committed (pending, or flushed but open)."""
    return bool(session.new or session.dirty or session.deleted or session.info.get("flushed"))


class ComplianceCache:
    """A thread-safe LRU of compliance results; see the module docstring for the key and its invalidation."""

    def __init__(self, max_rows: int = DEFAULT_ROWS):
        self.max_rows = max_rows
        self._entries: OrderedDict[Key, Compliance] = OrderedDict()
        self._rows = 0
        self._generation: Generation = (0, 0)
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def rows(self) -> int:
        """The evidence rows held by the cached results (what ``max_rows`` bounds)."""
        return self._rows

    def get(self, key: Key) -> Compliance | None:
        with self._lock:
            self._see(key[3])
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: Key, value: Compliance) -> None:
        weight = _weight(value)
        if weight > self.max_rows:
            return  # also when the cache is off (max_rows 0)
        with self._lock:
            self._see(key[3])
            if key[3] != self._generation:
                return  # computed while the data moved on: nobody will ask for it again
            self._drop(key)
            self._entries[key] = value
            self._rows += weight
            while self._rows > self.max_rows:
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._rows = 0

    def _see(self, generation: Generation) -> None:
        """Forget older generations once a newer one shows up (the caller holds the lock)."""
        if generation > self._generation:
            self._generation = generation
            for key in [key for key in self._entries if key[3] != generation]:
                self._drop(key)

    def _drop(self, key: Key) -> None:
        found = self._entries.pop(key, None)
        if found is not None:
            self._rows -= _weight(found)


def _weight(value: Compliance) -> int:
    return len(value.visibility) + ENTRY_ROWS
