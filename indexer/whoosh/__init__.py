"""The Whoosh backend of the search contract.

Split by concern: :mod:`.schema` (fields, a document mapped onto them),
:mod:`.writer` (the index directory: open, verify, lock, write),
:mod:`.query` (the query syntax), :mod:`.docsets` (query evaluation as
bitsets), :mod:`.ranking` (BM25F), :mod:`.suggest` (spelling suggestions) and
:mod:`.backend` (searchers, caches and the contract's methods). Every use of a
private Whoosh name is in :mod:`._internals`.
"""

from __future__ import annotations

from .backend import WhooshBackend

__all__ = ["WhooshBackend"]
