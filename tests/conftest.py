"""Shared fixtures: a real app on a real SQLite file in a temporary data folder, with the seed plan loaded."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from evidence_repo import create_app
from evidence_repo.accounts.operations import create_user
from evidence_repo.cli import initialize

PASSWORD = "contraseña-segura-123"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def app(tmp_path) -> Iterator[Flask]:
    app = create_app({"DATA_DIR": tmp_path / "data", "TESTING": True})
    initialize(app)
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def session(app):
    s = app.extensions["db_sessions"]()
    yield s
    s.close()


@pytest.fixture
def make_user(session):
    def make(email: str = "staff@jalisco.gob.mx", role: str = "staff", password: str = PASSWORD):
        user = create_user(session, email, password, role)
        session.commit()
        return user

    return make


def csrf_token(client: FlaskClient, path: str = "/ingresar") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD):
    token = csrf_token(client)
    return client.post("/ingresar", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def worker(app):
    """The index worker of this app, run by hand: `worker.drain()` processes what is pending."""
    from evidence_repo import services
    from evidence_repo.evidence.indexing import IndexWorker

    w = IndexWorker(app.extensions["db_sessions"], services.blob_store(app), services.search_index(app),
                    services.extraction_limits(app))
    yield w
    w.close()


@pytest.fixture
def staff_token(app, make_user, session):
    from evidence_repo.accounts.tokens import create_token

    user = make_user("carga@jalisco.gob.mx", "staff")
    _, plaintext = create_token(session, user, "pruebas")
    session.commit()
    return plaintext
