"""The search contract: what every search backend offers, in plain values.

Callers pass dicts of plain values (keys in :data:`DOC_KEYS`) and strings, and
get :class:`SearchResults` and :class:`Hit` back; no engine type crosses this
line. Every read takes the caller's ``visibility`` (no default: forgetting it
must be a TypeError, not a leak): a backend intersects what the caller may see
with the matches before anything is counted, ranked or shown, so totals,
facets, snippets, prefix expansions, suggestions and similar documents only
ever come from documents the caller may see.

Errors:

- :class:`IndexCorrupt`: the stored index is unusable; rebuild it from the
  database (opening with ``reset_if_corrupt=True`` does the reset).
- :class:`IndexLocked`: another writer held the index past the lock timeout.
- :class:`SearchFailed`: the engine itself failed on a request. Already logged
  with its traceback by the backend; the caller shows a clear message, never
  "0 resultados". A user's query syntax is never an error: unparseable input
  is searched as its plain words.
- ``ValueError``: a bad argument (unknown filter or sort, invalid document).

This module imports no search engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, runtime_checkable

__all__ = [
    "DOC_KEYS",
    "FACETS",
    "PUBLIC",
    "PUBLIC_ONLY",
    "RESTRICTED",
    "SORTS",
    "Document",
    "Hit",
    "IndexCorrupt",
    "IndexLocked",
    "SearchBackend",
    "SearchFailed",
    "SearchResults",
    "Visibility",
]

PUBLIC = "public"
RESTRICTED = "restricted"
PUBLIC_ONLY = frozenset({PUBLIC})
# Facet names, in display order; also the only names ``filters`` accepts.
#
# ``plan`` and ``commitment`` are slugs ("plan-jalisco-2019", "apoyo-osc").
# Milestone numbers repeat across commitments (milestone 3 of two commitments
# are two milestones), and ``milestone`` counts and filters by the number
# alone: its counts mean "milestone N" only within one commitment, i.e. when
# ``filters`` has exactly one ``commitment``. Filters AND together, so
# {"commitment": "apoyo-osc", "milestone": "3"} is exactly that commitment's
# milestone 3. Commitment slugs are taken to be unique across plans; if they
# are only unique within a plan, filter by ``plan`` too (or send slugs that
# include the plan's).
FACETS = ("plan", "commitment", "milestone", "means", "year", "file_type")
SORTS = ("relevance", "date")
# Keys a document dict may have; "id" is required, a missing "visibility"
# means restricted (fail closed). ``plan``, ``plan_title``, ``commitment`` and
# ``commitment_title`` are optional strings (absent or empty: the document
# belongs to no plan or commitment, as documents of earlier callers). The
# titles come back on hits for display; ``commitment_title`` is also searched
# (like ``milestone_text``), ``plan_title`` is not (filter by ``plan``).
DOC_KEYS = frozenset(
    {
        "id", "title", "text", "description", "milestone", "milestone_text",
        "activity", "activity_text", "means", "means_text", "date", "year",
        "file_type", "visibility", "plan", "plan_title", "commitment",
        "commitment_title",
    }
)
MAX_PER_PAGE = 100
MAX_QUERY_CHARS = 500
MAX_SIMILAR = 50

# One visibility level ("public") or several ({"public", "restricted"}); an
# empty collection sees nothing.
Visibility = Collection[str] | str
Document = Mapping[str, object]


class IndexCorrupt(Exception):
    """The index on disk cannot be used; rebuild it from the database."""


class IndexLocked(Exception):
    """Another writer held the index for longer than the lock timeout."""


class SearchFailed(Exception):
    """The search engine failed on a request (not the user's input).

    Raised with the engine's exception as ``__cause__``, after the backend
    logged it with its traceback.
    """


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    milestone: str | None
    means: str | None
    date: date | None
    file_type: str | None
    snippet: str  # safe HTML: escaped text, matches in <mark>
    # Which plan and commitment the document proves (slugs, and titles to
    # show); None for a document indexed without them.
    plan: str | None = None
    plan_title: str | None = None
    commitment: str | None = None
    commitment_title: str | None = None


@dataclass(frozen=True)
class SearchResults:
    total: int
    page: int
    per_page: int
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=lambda: {f: {} for f in FACETS})
    suggestion: str | None = None

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.per_page) if self.total else 0


@runtime_checkable
class SearchBackend(Protocol):
    """A full-text index of evidence documents.

    ``created`` is True when the backend was just created or reset: it is
    empty and should be rebuilt from the database. An index written by an
    older version of the backend (an earlier schema) is not corrupt, only out
    of date: opening it resets it (``created``) whatever ``reset_if_corrupt``
    says.
    """

    @property
    def created(self) -> bool: ...

    def add(self, docs: Iterable[Document]) -> int:
        """Add or replace documents by ``id``; returns how many were written.

        A document with unknown keys or without an id raises ``ValueError``
        (documents of earlier batches may already be written).
        """
        ...

    def delete(self, ids: Iterable[str | int]) -> int:
        """Delete documents by id; returns how many were found."""
        ...

    def rebuild(
        self, docs: Iterable[Document], progress: Callable[[int], None] | None = None, *, procs: int = 1
    ) -> int:
        """Replace everything with ``docs`` (repeated ids: the first is kept);
        readers see the old contents until the new ones are complete.
        ``progress`` receives the running count; ``procs`` > 1 lets the
        backend analyse in that many child processes (batch use only).
        Returns the count."""
        ...

    def search(
        self,
        query: str,
        *,
        visibility: Visibility,
        filters: Mapping[str, object] | None = None,
        page: int = 1,
        per_page: int = 20,
        sort: str = "relevance",
    ) -> SearchResults:
        """Search what ``visibility`` allows.

        ``query``: AND by default, ``OR``, ``-word``/``NOT``, ``"phrase"``,
        ``prefix*``; accents, case and singular/plural do not matter. Empty or
        nothing searchable (stop words, ``*``) lists the newest documents.
        ``filters``: {plan|commitment|milestone|means|year|file_type: value
        or list of values}; values of one filter OR together, filters AND
        (see :data:`FACETS` on milestones of different commitments).
        ``sort``: "relevance" or "date" (newest first, undated last). Facet
        counts cover the whole filtered result set; ``suggestion`` is a
        corrected query when words of ``query`` are unknown to the caller.
        """
        ...

    def similar(self, doc_id: str, *, visibility: Visibility, limit: int = 5) -> list[Hit]:
        """Documents similar to ``doc_id`` ("más como esto"), best first; ``[]``
        for a source unknown or invisible to ``visibility``. Never the source."""
        ...

    def suggest(self, text: str, *, visibility: Visibility) -> str | None:
        """"¿Quisiste decir …?" for ``text``, from words visible documents
        contain, or None."""
        ...

    def count(self) -> int:
        """Number of documents, whatever their visibility."""
        ...

    def doc_ids(self) -> set[str]:
        """Ids of all documents, for drift checks against the database."""
        ...

    def doc_states(self) -> dict[str, dict[str, str]]:
        """For every document, what decides who finds it and under what name: ``{id: {"visibility", "title",
        "commitment"}}`` as indexed (drift checks against the database)."""
        ...

    def highlight(self, text: str, query: str, *, max_chars: int = 200_000) -> str:
        """``text`` (at most ``max_chars`` characters) as safe HTML, with the
        words ``query`` would match wrapped in ``<mark>``. Never raises: on
        trouble (logged) the text comes back escaped but unmarked."""
        ...

    def warm(self) -> int:
        """Read ahead what the first searches of a new process need, so that
        the first citizens do not pay for it; returns how much was read (Whoosh:
        words into the process; PostgreSQL: blocks the server was asked to read
        ahead; 0 for nothing). Run before serving."""
        ...

    def close(self) -> None:
        """Release what the backend holds (searchers, connections)."""
        ...
