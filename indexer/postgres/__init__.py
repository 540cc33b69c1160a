"""The PostgreSQL backend of the search contract: one index shared by every
web and worker process, for the scale-out mode.

Split by concern: :mod:`.schema` (tables, a document mapped onto rows and a
``tsvector``), :mod:`.query` (the query syntax as a ``tsquery``) and
:mod:`.backend` (connections, writing and the contract's reads). Analysis is
:mod:`indexer.analysis`, shared with the Whoosh backend, so both match the
same words.
"""

from __future__ import annotations

from .backend import PostgresBackend

__all__ = ["PostgresBackend"]
