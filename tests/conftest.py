"""Shared fixtures: a real app on a real SQLite file in a temporary data folder, with the seed plan loaded."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from evidence_repo import create_app
from evidence_repo.accounts.operations import create_user
from evidence_repo.bootstrap import prepare
from evidence_repo.services import Services, services
from tests.helpers import PASSWORD


@pytest.fixture
def app(tmp_path) -> Iterator[Flask]:
    """Migrated, seeded; the search index is opened only by tests that search (it is empty until then)."""
    app = create_app({"DATA_DIR": tmp_path / "data", "TESTING": True})
    prepare(app, index=False)
    yield app
    services(app).close()


@pytest.fixture
def svc(app) -> Services:
    return services(app)


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def session(app):
    s = services(app).sessions()
    yield s
    s.close()


@pytest.fixture
def make_user(session):
    def make(email: str = "staff@jalisco.gob.mx", role: str = "staff", password: str = PASSWORD):
        user = create_user(session, email, password, role)
        session.commit()
        return user

    return make


@pytest.fixture
def worker(app):
    """The index worker of this app, run by hand: `worker.drain()` processes what is pending."""
    w = services(app).new_worker()
    yield w
    w.close()


@pytest.fixture
def staff_token(app, make_user, session):
    from evidence_repo.accounts.tokens import create_token

    user = make_user("carga@jalisco.gob.mx", "staff")
    _, plaintext = create_token(session, user, "pruebas")
    session.commit()
    return plaintext


@pytest.fixture(scope="session")
def postgres_cluster():
    """One throwaway PostgreSQL server for the whole run, started only if a test asks for it."""
    from tests.postgres import Cluster

    cluster = Cluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster) -> str:
    """A new empty database on the throwaway server (SQLAlchemy URL, psycopg 3)."""
    return postgres_cluster.create_database()
