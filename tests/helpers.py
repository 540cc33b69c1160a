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
    stand_in = Request(EnvironBuilder(method=req.method, path=req.path, query_string=req.query_string.decode(),
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


BECAS = {
    "format": "evidence-repo/plan@2",
    "plan": {"slug": "becas-zacatecas-2025", "title": "Plan de transparencia del programa Becas 2025",
             "jurisdiction": "Zacatecas", "note": "Sujeto a cambios"},
    "commitments": [{
        "slug": "becas-padron-abierto",
        "title": "Padrón abierto del programa Becas",
        "responsible_institution": "Secretaría de Educación de Zacatecas",
        "milestones": [
            {"number": 1, "objective": "Publicar las reglas de operación",
             "requirements": ["Reglas de operación publicadas"],
             "activities": [{"name": "Publicación", "date": "2025-02-01"}]},
            {"number": 2, "objective": "Reunión con el comité de seguimiento",
             "requirements": ["Lista de asistencia", {"means": "Minuta", "scope": "each_activity"}],
             "activities": [{"name": "Reunión de seguimiento", "date": "2025-04-10"}]},
        ],
    }],
}


def import_plan(app, tmp_path, data=None, name="becas.yaml") -> None:
    """Import a plan file (default: a second, small plan beside the seed) through `plan import`."""
    import yaml

    path = tmp_path / name
    path.write_text(yaml.safe_dump(data or BECAS, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["plan", "import", str(path), "--reason", "Segundo programa"])
    assert result.exit_code == 0, result.output


def upload(client: FlaskClient, token: str, milestone, means: str, content: str, visibility: str = "public") -> int:
    """Upload a small text file as evidence through the API (as a script would); returns its id."""
    return upload_file(client, token, "evidencia.txt", content.encode(), visibility, milestone=milestone, means=means)


def upload_file(client: FlaskClient, token: str, name: str, content: bytes, visibility: str = "public", *,
                milestone=3, means: str = "Minuta", title: str | None = None) -> int:
    """Upload ``content`` under the file name ``name`` through the API; returns the new evidence's id."""
    import io

    data = {"milestone": str(milestone), "means": means, "visibility": visibility,
            "file": (io.BytesIO(content), name), **({"title": title} if title else {})}
    r = client.post("/api/v1/evidence", data=data, headers={"Authorization": f"Bearer {token}"},
                    content_type="multipart/form-data")
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()["id"]


def upload_titled(client: FlaskClient, token: str, milestone, means: str, title: str,
                  visibility: str = "public") -> int:
    """Upload a small text file with ``title`` (also its text) as evidence of ``milestone``; returns its id."""
    return upload_file(client, token, "evidencia.txt", title.encode(), visibility, milestone=milestone, means=means,
                       title=title)


def move_first_session_of_milestone_3(app, make_user, reason: str) -> None:
    """An admin moves milestone 3's first session to 2019-10-24, giving ``reason`` (a public plan change)."""
    make_user("admin.secreta@jalisco.gob.mx", "admin")
    admin = app.test_client()
    login(admin, "admin.secreta@jalisco.gob.mx")
    activity = admin.get("/api/v1/milestones/3").get_json()["activities"][0]
    r = admin.post("/admin/metas/3/actividad", follow_redirects=True,
                   data={"csrf_token": csrf_token(admin, "/admin/metas/3"), "activity_id": activity["id"],
                         "name": activity["name"] or "", "date": "2019-10-24", "reason": reason})
    assert r.status_code == 200
