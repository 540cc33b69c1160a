"""Fixtures for the indexer tests.

Extraction: sample files come from tests/samples.py.

Search: the backend contract suite (tests/indexer/contract) runs once per
entry of :data:`BACKENDS`. To add a backend, append a :class:`BackendFactory`
that opens a fresh backend in a test's temporary folder, damages one, and
breaks its query evaluation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from indexer import SearchBackend
from indexer.extract import ExtractorPool
from tests import samples
from tests.indexer.corpus import CORPUS


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("samples")


@pytest.fixture(scope="session")
def docx_zip_bomb(sample_dir):
    """Built once: it streams 1.1 GB through deflate (a few seconds)."""
    return samples.make_docx_zip_bomb(sample_dir / "bomba.docx")


@pytest.fixture(scope="module")
def extractor_pool():
    """Two extraction children shared by a module's tests, as production runs them."""
    with ExtractorPool(2) as pool:
        yield pool


# --- search backends -----------------------------------------------------------


@dataclass(frozen=True)
class BackendFactory:
    name: str
    # open(place, reset_if_corrupt=False) -> backend stored at ``place`` (a
    # folder; a database backend would derive its schema from it). Opening the
    # same place twice gives two instances on one index.
    open: Callable[..., SearchBackend]
    # Damage what is stored at ``place`` so that using it fails.
    corrupt: Callable[[Path], None]
    # Make the engine fail on every query (through ``monkeypatch``), the way a
    # bug would; returns the exception type it raises.
    break_engine: Callable[[pytest.MonkeyPatch], type[Exception]]


class EngineBug(RuntimeError):
    """Raised by a deliberately broken engine."""


def _open_whoosh(place: Path, **options) -> SearchBackend:
    from indexer.whoosh import WhooshBackend

    return WhooshBackend(place, batch_size=7, **options)  # small batches: several segments


def _corrupt_whoosh(place: Path) -> None:
    next(place.glob("_MAIN_*.toc")).unlink()


def _break_whoosh(monkeypatch: pytest.MonkeyPatch) -> type[Exception]:
    from indexer.whoosh.docsets import DocSets

    def broken(*args, **kwargs):
        raise EngineBug("deliberately broken evaluation")

    monkeypatch.setattr(DocSets, "bits", broken)
    monkeypatch.setattr(DocSets, "allowed", broken)
    return EngineBug


class _PostgresDatabase:
    """One database on the throwaway cluster for every PostgreSQL index of the
    run; each ``place`` gets its own schema. Set up by ``backend_factory``."""

    engine = None

    @classmethod
    def reset(cls) -> None:
        if cls.engine is not None:
            cls.engine.dispose()
        cls.engine = None

    @classmethod
    def get(cls):
        assert cls.engine is not None, "the postgres factory is used through the backend_factory fixture"
        return cls.engine


def _schema(place: Path) -> str:
    return "ix_" + hashlib.sha1(str(place).encode()).hexdigest()[:16]


def _open_postgres(place: Path, **options) -> SearchBackend:
    from indexer.postgres import PostgresBackend

    return PostgresBackend(_PostgresDatabase.get(), schema=_schema(place), batch_size=7, **options)


def _corrupt_postgres(place: Path) -> None:
    from sqlalchemy import text

    with _PostgresDatabase.get().begin() as conn:
        conn.execute(text(f'DROP TABLE "{_schema(place)}".docs'))


def _break_postgres(monkeypatch: pytest.MonkeyPatch) -> type[Exception]:
    from indexer.postgres import backend

    def broken(*args, **kwargs):
        raise EngineBug("deliberately broken evaluation")

    monkeypatch.setattr(backend, "_read", broken)
    return EngineBug


BACKENDS = [
    BackendFactory("whoosh", _open_whoosh, _corrupt_whoosh, _break_whoosh),
    BackendFactory("postgres", _open_postgres, _corrupt_postgres, _break_postgres),
]


@pytest.fixture(scope="session", params=BACKENDS, ids=lambda f: f.name)
def backend_factory(request) -> BackendFactory:
    if request.param.name == "postgres" and _PostgresDatabase.engine is None:
        from sqlalchemy import create_engine

        url = request.getfixturevalue("postgres_cluster").create_database("search")
        _PostgresDatabase.engine = create_engine(url, pool_size=8, max_overflow=20)
        request.addfinalizer(_PostgresDatabase.reset)
    return request.param


@pytest.fixture
def backend(backend_factory, tmp_path) -> SearchBackend:
    """A fresh, empty backend."""
    index = backend_factory.open(tmp_path / "index")
    yield index
    index.close()


@pytest.fixture
def fresh(backend) -> SearchBackend:
    """A fresh backend holding CORPUS, for tests that write."""
    backend.add(CORPUS)
    return backend


@pytest.fixture(scope="module")
def idx(backend_factory, tmp_path_factory) -> SearchBackend:
    """A backend holding CORPUS, shared read-only by a module's tests."""
    index = backend_factory.open(tmp_path_factory.mktemp(backend_factory.name) / "index")
    index.rebuild(CORPUS)
    yield index
    index.close()
