"""Shared fixtures: a real app on a real database (a SQLite file, or a PostgreSQL database) with the seed plan.

``EVIDENCE_REPO_TEST_DATABASES`` (comma-separated, default ``sqlite``) says which databases every test that
uses ``app`` runs against; ``make test`` sets ``sqlite,postgres``, so each such test runs once per database
(``test_x[sqlite]``, ``test_x[postgres]``) with one throwaway PostgreSQL server for the whole run.
"""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from evidence_repo import create_app
from evidence_repo.accounts.operations import create_user
from evidence_repo.bootstrap import prepare
from evidence_repo.services import Services, services
from tests.helpers import PASSWORD
from tests.postgres import database_name

DATABASES = [name.strip() for name in os.environ.get("EVIDENCE_REPO_TEST_DATABASES", "sqlite").split(",")
             if name.strip()]


def pytest_collection_modifyitems(config, items):
    """A test marked ``databases("postgres")`` is about a property only that database has (several writers, say):
    its runs on the other databases are deselected, not skipped, so every reported test ran."""
    kept, dropped = [], []
    for item in items:
        marker = item.get_closest_marker("databases")
        callspec = getattr(item, "callspec", None)
        param = callspec.params.get("database_url") if callspec else None
        wanted = marker.args if marker else None
        if wanted and (param not in wanted if param else not set(wanted) & set(DATABASES)):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path) -> Iterator[str]:
    """The database of this test's app: a SQLite file in its data folder, or a copy of the seeded template."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'evidence.db'}"
        return
    if request.param != "postgres":
        raise ValueError(f"unknown test database {request.param!r} (sqlite or postgres)")
    cluster = request.getfixturevalue("postgres_cluster")
    template = request.getfixturevalue("postgres_template")
    url = cluster.create_database(template=template)
    yield url
    cluster.drop_database(url)


@pytest.fixture
def app(request, tmp_path, database_url) -> Iterator[Flask]:
    """Migrated, seeded; the search index is opened only by tests that search (it is empty until then).
    A test marked ``mail`` gets mail configured to go to its ``smtp_sink`` (sent by the worker)."""
    config = {"DATA_DIR": tmp_path / "data", "DATABASE_URL": database_url, "TESTING": True}
    if request.node.get_closest_marker("mail"):
        config["MAIL"] = request.getfixturevalue("smtp_sink").settings
    app = create_app(config)
    prepare(app, index=False)
    yield app
    services(app).close()


@pytest.fixture
def smtp_sink():
    """A real SMTP server on localhost that keeps every message it receives (``smtp_sink.messages``)."""
    from tests.smtp_sink import SmtpSink

    sink = SmtpSink().start()
    yield sink
    sink.stop()


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
def postgres_url(postgres_cluster) -> Iterator[str]:
    """A new empty database on the throwaway server (SQLAlchemy URL, psycopg 3)."""
    url = postgres_cluster.create_database()
    yield url
    postgres_cluster.drop_database(url)


@pytest.fixture(scope="session")
def postgres_template(postgres_cluster, tmp_path_factory) -> str:
    """A database migrated and seeded once; each test's database is a copy of it (CREATE DATABASE … TEMPLATE),
    which takes milliseconds where migrating and seeding takes about a second."""
    url = postgres_cluster.create_database(prefix="template")
    app = create_app({"DATA_DIR": tmp_path_factory.mktemp("pg-template"), "DATABASE_URL": url, "TESTING": True})
    prepare(app, index=False)
    services(app).close()
    return database_name(url)
