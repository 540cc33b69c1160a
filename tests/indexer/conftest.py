"""Fixtures for the indexer tests; sample files come from tests/samples.py."""

from __future__ import annotations

import pytest

from tests import samples


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("samples")


@pytest.fixture(scope="session")
def docx_zip_bomb(sample_dir):
    """Built once: it streams 1.1 GB through deflate (a few seconds)."""
    return samples.make_docx_zip_bomb(sample_dir / "bomba.docx")
