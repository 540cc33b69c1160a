"""Search and text extraction for evidence files, in plain values.

The search contract lives here (:mod:`indexer.contract`); backends implement
it. Today's backend is Whoosh::

    from indexer import IndexCorrupt, PUBLIC_ONLY
    from indexer.whoosh import WhooshBackend

    index = WhooshBackend(path, reset_if_corrupt=True)
    if index.created:                      # new or reset: fill from the database
        index.rebuild(documents_from_db(), progress=print)
    results = index.search("transparencia", visibility=PUBLIC_ONLY)

Importing this package loads no search engine. Nothing in ``indexer`` imports
the web application.
"""

from __future__ import annotations

from .contract import *  # noqa: F403  (the contract is this package's public interface)
from .contract import __all__ as __all__
