"""Small helpers the test modules share (fixtures live in conftest.py; test modules never import each other)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask.testing import FlaskClient
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

PASSWORD = "contraseña-segura-123"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/ingresar") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD):
    token = csrf_token(client)
    return client.post("/ingresar", data={"email": email, "password": password, "csrf_token": token})


def validated(spec, response):
    """Validate the response against the spec (the request body was consumed, so a body-less copy stands in)."""
    req = response.request
    stand_in = Request(EnvironBuilder(method=req.method, path=req.path, query_string=req.query_string,
                                      headers={"Content-Type": req.content_type or "application/json"}).get_environ())
    spec.validate_response(WerkzeugOpenAPIRequest(stand_in), WerkzeugOpenAPIResponse(response))
    return response.get_json()


@contextmanager
def count_queries(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on ``engine`` inside the block."""
    statements: list[str] = []

    def listener(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)
