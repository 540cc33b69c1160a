"""Every GET route, asked anonymously about a replaced public item and a withdrawn one, never shows the replaced
bytes or the withdrawn item's contents (the walk of tests/test_policy.py, for what issue #11 added)."""
import io
import re

from tests.helpers import csrf_token, login, upload

OLD_WORD = "tepehuanezco"  # only in version 1 of a public item, replaced
GONE_WORD = "cuitlacochin"  # in the title and text of a public item staff withdrew


def _url(rule, evidence_id):
    values = {"evidence_id": evidence_id, "number": 11, "fmt": "pdf", "filename": "site.css",
              "action": "actividad", "slug": "jalisco-apoyo-organizaciones-sociedad-civil",
              "commitment_slug": "jalisco-apoyo-organizaciones-sociedad-civil",
              "plan_slug": "plan-accion-local-jalisco-2019", "version": 1, "page": 1, "agreement_id": 1,
              "observation_id": 1}
    return re.sub(r"<(?:[^:>]+:)?(\w+)(?:\([^)]*\))?>", lambda m: str(values[m.group(1)]), rule.rule)


def test_no_route_shows_replaced_or_withdrawn_contents(app, client, staff_token, make_user, worker):
    from evidence_repo.services import services

    services(app).index()
    replaced = upload(client, staff_token, 11, "Informe final", f"Informe {OLD_WORD}")
    gone = client.post("/api/v1/evidence", headers={"Authorization": f"Bearer {staff_token}"},
                       content_type="multipart/form-data",
                       data={"milestone": "11", "means": "Informe final", "title": f"Informe {GONE_WORD}",
                             "file": (io.BytesIO(f"Texto {GONE_WORD}".encode()), "i.txt")}).get_json()["id"]
    make_user("staff@jalisco.gob.mx", "staff")
    staff = app.test_client()
    login(staff, "staff@jalisco.gob.mx")
    token = csrf_token(staff, f"/personal/evidencias/{replaced}/editar")
    staff.post(f"/personal/evidencias/{replaced}/reemplazar", content_type="multipart/form-data",
               data={"csrf_token": token, "replace-file": (io.BytesIO(b"Informe testado"), "i.txt")})
    staff.post(f"/personal/evidencias/{gone}/retirar", data={"csrf_token": token, "reason": "Duplicada"})
    worker.drain()
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods]
    extra = ["/buscar?q=" + OLD_WORD, "/buscar?q=" + GONE_WORD, "/api/v1/search?q=" + GONE_WORD,
             "/api/v1/search?q=" + OLD_WORD, f"/evidencias/{replaced}/descargar?version=1"]
    for evidence_id in (replaced, gone):
        for url in [_url(rule, evidence_id) for rule in rules] + extra:
            response = client.get(url)
            assert response.status_code < 500, url
            body = response.get_data().lower()
            typed = url.partition("q=")[2].encode()
            if typed:
                body = body.replace(typed, b"")
            assert OLD_WORD.encode() not in body and GONE_WORD.encode() not in body, url
