"""Fixtures for tests of the Whoosh backend itself (not of the contract)."""

from __future__ import annotations

import pytest

from indexer.whoosh import WhooshBackend
from tests.indexer.corpus import CORPUS


@pytest.fixture(scope="module")
def whoosh_idx(tmp_path_factory) -> WhooshBackend:
    index = WhooshBackend(tmp_path_factory.mktemp("whoosh") / "index")
    index.rebuild(CORPUS)
    return index


@pytest.fixture
def whoosh_fresh(tmp_path) -> WhooshBackend:
    index = WhooshBackend(tmp_path / "index", batch_size=7)  # several segments
    index.add(CORPUS)
    return index
