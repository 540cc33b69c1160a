"""Restricted evidence never reaches the public, on any surface or export format.

A restricted list with unique words in its title and text, observed by the committee with a unique comment,
sits beside public evidence. Every public surface (pages, search and its suggestions, the feed, CSV, JSON,
PDF, DOCX, the API) is read anonymously and must not carry the words, the comment, the file's SHA-256 or the
item's id among the listed or observed evidence; the same surfaces read by staff do carry them (so each
check can fail: removing any visibility filter makes the public answer look like the staff one). Citizens'
observations not accepted, rejected or about restricted evidence, and every citizen's e-mail, stay off the same
surfaces too (an accepted, answered one is the control).
`make mutation` keeps it so (README, "Mutation testing").
"""
from __future__ import annotations

import csv
import io
import json
import re

import pytest
from docx import Document
from pypdf import PdfReader
from sqlalchemy import select

from evidence_repo.accounts.tokens import create_token
from evidence_repo.evidence.models import Evidence
from evidence_repo.mail.settings import MailSettings
from evidence_repo.participation import operations as ops
from evidence_repo.plan.models import Milestone
from tests.helpers import csrf_token, login, upload

TITLE_WORD = "Tepehuanxolotl"          # in the restricted item's title
TEXT_WORD = "cuauhtzontecomatl"        # in its file
COMMENT_WORD = "Ixtlilxochitzin"       # in the committee's observation
PUBLIC_WORD = "tlacuilolli"            # in a public file: the control for suggestions
C = "jalisco-apoyo-organizaciones-sociedad-civil"
P = "plan-accion-local-jalisco-2019"


@pytest.fixture
def world(app, client, make_user, session, worker):
    staff = make_user("carga@jalisco.gob.mx", "staff")
    make_user("comite@jalisco.gob.mx", "committee")
    _, token = create_token(session, staff)
    session.commit()
    session_of_6 = str(client.get("/api/v1/milestones/6").get_json()["activities"][0]["id"])
    posted = []
    for means, visibility, title, text in [
            ("Minuta", "public", "Minuta de la sesión", f"Minuta de la sesión con {PUBLIC_WORD} y acuerdos"),
            ("Lista de asistencia", "restricted", f"Lista {TITLE_WORD} con firmas",
             f"Nombre y firma: {TEXT_WORD} Zumárraga, CURP")]:
        data = {"milestone": "6", "means": means, "visibility": visibility, "title": title,
                "activity": session_of_6, "file": (io.BytesIO(text.encode()), "documento.txt")}
        r = client.post("/api/v1/evidence", data=data, headers={"Authorization": f"Bearer {token}"},
                        content_type="multipart/form-data")
        assert r.status_code == 201, r.get_data(as_text=True)
        posted.append(r.get_json())
    public_id, restricted = posted[0]["id"], posted[1]
    worker.drain()
    committee = app.test_client()
    login(committee, "comite@jalisco.gob.mx")
    for evidence_id in (restricted["id"], public_id):
        r = committee.post(f"/comite/evidencias/{evidence_id}/revisar",
                           data={"csrf_token": csrf_token(committee, "/"), "state": "observada",
                                 "comment": f"Falta la firma de {COMMENT_WORD}" if evidence_id == restricted["id"]
                                 else "Falta el sello"})
        assert r.status_code == 302
    staff_client = app.test_client()
    login(staff_client, "carga@jalisco.gob.mx")
    return {"id": restricted["id"], "sha256": restricted["sha256"], "public_id": public_id, "token": token,
            "staff": staff_client}


def _text(response) -> str:
    """What a reader of this answer sees, whatever its format."""
    body, kind = response.get_data(), response.mimetype
    if kind == "application/pdf":
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    if kind.endswith("wordprocessingml.document"):
        doc = Document(io.BytesIO(body))
        cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
        return "\n".join([p.text for p in doc.paragraphs] + cells)
    return body.decode("utf-8")


PAGES = ["/", "/plan", f"/planes/{P}", f"/compromisos/{C}", f"/compromisos/{C}/metas/6", "/metas/6",
         "/cumplimiento", f"/compromisos/{C}/cumplimiento", f"/compromisos/{C}/cambios", "/feed.atom",
         f"/buscar?q={TITLE_WORD}", f"/buscar?q={TEXT_WORD}", f"/buscar?q={TEXT_WORD[:-1]}",
         "/cumplimiento.csv", f"/compromisos/{C}/cumplimiento.csv",
         "/cumplimiento/informe.pdf", "/cumplimiento/informe.docx",
         f"/compromisos/{C}/cumplimiento/informe.pdf", f"/compromisos/{C}/cumplimiento/informe.docx",
         "/api/v1/compliance", f"/api/v1/commitments/{C}/compliance", "/api/v1/evidence", "/api/v1/plans",
         f"/api/v1/search?q={TEXT_WORD}", f"/api/v1/search?q={TEXT_WORD[:-1]}", f"/api/v1/search?q={TITLE_WORD}"]
SECRETS = (TITLE_WORD, TEXT_WORD, COMMENT_WORD)


def test_no_public_surface_carries_the_restricted_item(client, world):
    for url in PAGES:
        r = client.get(url, follow_redirects=True)
        assert r.status_code == 200, (url, r.status_code)
        text = _text(r)
        if "q=" in url:  # a search page repeats what was asked; only what it answers counts
            query = url.split("q=", 1)[1]
            text = re.sub(re.escape(query) + r"(?![a-záéíóúñ])", "", text, flags=re.IGNORECASE)
        for secret in (*SECRETS, world["sha256"]):
            assert secret.lower() not in text.lower(), f"{secret} leaked on {url}"
    for url in (f"/evidencias/{world['id']}", f"/evidencias/{world['id']}/descargar",
                f"/api/v1/evidence/{world['id']}"):
        assert client.get(url).status_code == 404, url


def test_staff_read_the_same_surfaces_with_the_item(world):
    """The control: what the public must not see is really there for staff (so the public checks can fail)."""
    staff, api = world["staff"], {"Authorization": f"Bearer {world['token']}"}
    seen = " ".join(_text(staff.get(url)) for url in (
        f"/compromisos/{C}/cumplimiento", "/cumplimiento/informe.pdf", f"/compromisos/{C}/cumplimiento/informe.docx",
        f"/evidencias/{world['id']}"))
    for secret in (TITLE_WORD, COMMENT_WORD):
        assert secret in seen, secret
    hits = staff.get(f"/api/v1/search?q={TEXT_WORD}", headers=api).get_json()
    assert [h["id"] for h in hits["results"]] == [world["id"]]
    assert staff.get(f"/api/v1/search?q={TEXT_WORD[:-1]}", headers=api).get_json()["suggestion"]


def _id_lists(data) -> list[list]:
    """Every list of evidence ids in a compliance JSON (evidence, observed, unassigned by means)."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("evidence", "observed", "unassigned") and isinstance(value, dict):
                found += [ids for ids in value.values() if isinstance(ids, list)]
            else:
                found += _id_lists(value)
    elif isinstance(data, list):
        for value in data:
            found += _id_lists(value)
    return found


@pytest.mark.parametrize("url", ["/api/v1/compliance", f"/api/v1/commitments/{C}/compliance"])
def test_compliance_json_lists_restricted_evidence_only_for_staff(client, world, url):
    public = _id_lists(json.loads(client.get(url).get_data()))
    staff = _id_lists(json.loads(client.get(url, headers={"Authorization": f"Bearer {world['token']}"}).get_data()))
    assert any(world["id"] in ids for ids in staff)
    assert not any(world["id"] in ids for ids in public)
    assert any(world["public_id"] in ids for ids in public)


@pytest.mark.parametrize("url", ["/cumplimiento.csv", f"/compromisos/{C}/cumplimiento.csv"])
def test_compliance_csv_names_restricted_evidence_only_for_staff(client, world, url):
    def columns(response):
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        header = rows[0]
        return {name: " ".join(row[header.index(name)] for row in rows[1:] if len(row) == len(header))
                for name in ("evidencias", "observadas")}

    public, staff = columns(client.get(url)), columns(world["staff"].get(url))
    for name in ("evidencias", "observadas"):
        assert str(world["id"]) not in public[name].split()
    assert str(world["id"]) in staff["observadas"].split()


def test_public_suggestions_come_from_public_words_only(client, world):
    control = client.get(f"/api/v1/search?q={PUBLIC_WORD[:-1]}").get_json()
    assert PUBLIC_WORD in (control["suggestion"] or "")  # suggestions work for the public...
    hidden = client.get(f"/api/v1/search?q={TEXT_WORD[:-1]}").get_json()
    assert TEXT_WORD not in (hidden["suggestion"] or "")  # ...but never offer a restricted word
    # beside a public word the corrected query would find something public, so only the vocabulary decides
    for q in (f"{PUBLIC_WORD} OR {TEXT_WORD[:-1]}", f"{TEXT_WORD[:-1]} OR {PUBLIC_WORD[:-1]}"):
        mixed = client.get("/api/v1/search", query_string={"q": q}).get_json()
        assert TEXT_WORD not in (mixed["suggestion"] or ""), q
    page = client.get(f"/buscar?q={TEXT_WORD[:-1]}").get_data(as_text=True)
    assert TEXT_WORD not in page


# --- A restricted item with a versión pública and an older replaced version -------------------------------------
# Its first version (world's list, with TEXT_WORD) was replaced by one with ORIGINAL_WORD.
ORIGINAL_WORD = "Huitzilihuitzin"    # in its current version
STALE_WORD = "Mazatzintlitl"         # in a versión pública later replaced by a better redaction
REDACTED_WORD = "Tlazohcamati"       # in its current versión pública: the only text the public may find
REDACTED_PAGES = [*PAGES[:10], f"/buscar?q={REDACTED_WORD}", f"/buscar?q={ORIGINAL_WORD}",
                  f"/buscar?q={ORIGINAL_WORD[:-1]}", f"/buscar?q={STALE_WORD}", *PAGES[13:23],
                  f"/api/v1/search?q={REDACTED_WORD}", f"/api/v1/search?q={ORIGINAL_WORD}",
                  f"/api/v1/search?q={ORIGINAL_WORD[:-1]}", f"/api/v1/search?q={TEXT_WORD[:-1]}",
                  f"/api/v1/search?q={STALE_WORD[:-1]}", "/manifiesto.json", "/manifiesto.csv", "/actividad"]


@pytest.fixture
def redacted(app, client, world, worker):
    """World's restricted list, replaced once, with a versión pública replaced once too."""
    staff, evidence_id = world["staff"], world["id"]

    def post(path, field, name, content):
        token = csrf_token(staff, f"/evidencias/{evidence_id}")
        r = staff.post(f"/personal/evidencias/{evidence_id}/{path}", content_type="multipart/form-data",
                       data={"csrf_token": token, field: (io.BytesIO(content.encode()), name)})
        assert r.status_code == 302, r.get_data(as_text=True)

    post("reemplazar", "replace-file", "lista-v2.txt", f"Nombre y firma: {ORIGINAL_WORD} Zumárraga, CURP")
    worker.drain()
    with app.app_context():
        from evidence_repo.db import db
        from evidence_repo.evidence.models import Evidence
        e = db().get(Evidence, evidence_id)
        assert [f.version for f in e.files] == [1, 2]
        old_sha, current_sha = e.files[0].sha256, e.files[1].sha256
    post("version-publica", "file", "lista-testada-1.txt", f"Nombre y firma: [testado] {STALE_WORD}")
    post("version-publica", "file", "lista-testada-2.txt", f"Nombre y firma: [testado] {REDACTED_WORD}")
    worker.drain()
    return {**world, "old_sha": old_sha, "current_sha": current_sha}


def test_a_restricted_item_with_a_public_version_shows_only_that_version(client, redacted):
    evidence_id = redacted["id"]
    secrets = (TEXT_WORD, ORIGINAL_WORD, STALE_WORD, COMMENT_WORD, redacted["old_sha"], redacted["current_sha"])
    for url in REDACTED_PAGES:
        r = client.get(url, follow_redirects=True)
        assert r.status_code == 200, (url, r.status_code)
        text = _text(r)
        if "q=" in url:
            query = url.split("q=", 1)[1]
            text = re.sub(re.escape(query) + r"(?![a-záéíóúñ])", "", text, flags=re.IGNORECASE)
        for secret in secrets:
            assert secret.lower() not in text.lower(), f"{secret} leaked on {url}"
    # the item's own pages: only the versión pública, never the original, its older version or its review
    page = client.get(f"/evidencias/{evidence_id}").get_data(as_text=True)
    assert REDACTED_WORD in page and "Versión pública (testada)" in page
    for secret in (*secrets, redacted["old_sha"], "lista-v2.txt", "documento.txt", "Falta la firma"):
        assert secret not in page, secret
    assert client.get(f"/evidencias/{evidence_id}/descargar").get_data(as_text=True).endswith(REDACTED_WORD)
    for url in (f"/evidencias/{evidence_id}/descargar?version=1", f"/evidencias/{evidence_id}/descargar?version=2",
                f"/evidencias/{evidence_id}/miniatura", f"/evidencias/{evidence_id}/pdf-con-texto"):
        assert client.get(url).status_code == 404, url
    api = client.get(f"/api/v1/evidence/{evidence_id}").get_json()
    assert api["is_public_version"] and api["file_name"] == "lista-testada-2.txt"
    assert [v["version"] for v in api["versions"]] == []  # none of the item's own files
    # search: found, counted and suggested by the redacted word only
    found = client.get("/api/v1/search", query_string={"q": REDACTED_WORD}).get_json()
    assert [h["id"] for h in found["results"]] == [evidence_id] and found["total"] == 1
    assert found["facets"]["milestone"] == {"6": 1}
    assert REDACTED_WORD.lower() in (client.get("/api/v1/search", query_string={"q": REDACTED_WORD[:-1]})
                                     .get_json()["suggestion"] or "").lower()
    listing = client.get("/api/v1/search", query_string={"q": ""}).get_json()
    assert evidence_id in [h["id"] for h in listing["results"]]
    for word in (ORIGINAL_WORD, STALE_WORD, TEXT_WORD):
        assert client.get("/api/v1/search", query_string={"q": word}).get_json()["total"] == 0, word
    manifest = {(f["evidence_id"], f["version"]): f for f in client.get("/manifiesto.json").get_json()["files"]}
    assert manifest[(evidence_id, 0)]["file_name"] == "lista-testada-2.txt"
    assert all(key[0] != evidence_id or key[1] == 0 for key in manifest)


def test_a_restricted_item_with_a_public_version_is_listed_as_that_version(client, redacted):
    """Citizens asking "was milestone 6 done?" see the item in its milestone's list, the evidence list of the API
    and the feed: by its versión pública (name, download), never by its own file or its review."""
    evidence_id = redacted["id"]
    page = client.get(f"/compromisos/{C}/metas/6").get_data(as_text=True)
    row = page[page.index(f'href="/evidencias/{evidence_id}"'):]
    row = row[:row.index("</tr>")]
    assert TITLE_WORD in row and "Versión pública (testada)" in row and "lista-testada-2.txt" in row
    assert f'href="/evidencias/{evidence_id}/descargar"' in row
    assert "lista-v2.txt" not in page and "documento.txt" not in page.split(f"#{redacted['public_id']}")[0]
    assert "Observada" not in row and "miniatura" not in row
    assert "Evidencias <span class=\"muted count\">(2)</span>" in page
    listed = {e["id"]: e for e in client.get("/api/v1/evidence").get_json()["results"]}
    assert listed[evidence_id]["is_public_version"] and listed[evidence_id]["file_name"] == "lista-testada-2.txt"
    assert listed[evidence_id]["sha256"] not in (redacted["old_sha"], redacted["current_sha"])
    assert f"/evidencias/{evidence_id}" in client.get("/feed.atom").get_data(as_text=True)


def test_staff_see_the_original_and_the_public_version(redacted):
    staff, evidence_id = redacted["staff"], redacted["id"]
    page = staff.get(f"/evidencias/{evidence_id}").get_data(as_text=True)
    for seen in (ORIGINAL_WORD, "lista-testada-2.txt", COMMENT_WORD):
        assert seen in page, seen
    assert ORIGINAL_WORD in staff.get(f"/evidencias/{evidence_id}/descargar").get_data(as_text=True)
    assert TEXT_WORD in staff.get(f"/evidencias/{evidence_id}/descargar?version=1").get_data(as_text=True)
    assert staff.get(f"/evidencias/{evidence_id}/descargar?publica=1").get_data(as_text=True).endswith(REDACTED_WORD)
PUBLISHED_WORD = "chalchiuhtlicue"     # in an accepted, answered observation (the control)
ANSWER_WORD = "tezcatlipocatl"         # in its official answer
UNPUBLISHED_WORD = "mictlantecuhtli"   # in an observation not moderated yet
REJECTED_WORD = "huitzilopochtli"      # in a rejected observation...
REASON_WORD = "coyolxauhqui"           # ...and in its reason
ON_RESTRICTED_WORD = "tlazolteotl"     # in an accepted observation on restricted evidence
EMAILS = ("publicada@example.org", "pendiente@example.org", "rechazada@example.org", "restringida@example.org")


@pytest.fixture
def observed(app, client, make_user, session, staff_token):
    public_id = upload(client, staff_token, 6, "Minuta", "Minuta pública")
    restricted_id = upload(client, staff_token, 6, "Lista de asistencia", "Firmas", visibility="restricted")
    moderator = make_user("comite@jalisco.gob.mx", "committee")
    milestone = session.scalars(select(Milestone).where(Milestone.number == 6)).one()

    def send(text, email, evidence_id=None):
        evidence = session.get(Evidence, evidence_id) if evidence_id else None
        return ops.submit(session, MailSettings(), milestone=milestone, evidence=evidence, text=text,
                          name="Vecina", email=email)

    published = send(f"Pregunta {PUBLISHED_WORD}", EMAILS[0], public_id)
    ops.moderate(session, published, moderator, accept=True)
    ops.answer(session, MailSettings(), published, moderator, f"Respuesta {ANSWER_WORD}")
    send(f"Pregunta {UNPUBLISHED_WORD}", EMAILS[1])
    rejected = send(f"Pregunta {REJECTED_WORD}", EMAILS[2])
    ops.moderate(session, rejected, moderator, accept=False, reason=f"Motivo {REASON_WORD}")
    on_restricted = send(f"Pregunta {ON_RESTRICTED_WORD}", EMAILS[3], restricted_id)
    ops.moderate(session, on_restricted, moderator, accept=True)
    session.commit()
    return public_id


OBSERVATION_PAGES = [f"/compromisos/{C}/metas/6", "/feed.atom", "/observaciones.csv", "/api/v1/observations",
                     f"/api/v1/observations?commitment={C}", f"/compromisos/{C}/cumplimiento"]


def test_only_accepted_observations_reach_the_public_and_never_an_email(client, observed):
    surfaces = OBSERVATION_PAGES + [f"/evidencias/{observed}"] + PAGES
    for url in surfaces:
        r = client.get(url, follow_redirects=True)
        assert r.status_code == 200, (url, r.status_code)
        text = _text(r).lower()
        for secret in (UNPUBLISHED_WORD, REJECTED_WORD, REASON_WORD, ON_RESTRICTED_WORD, *EMAILS):
            assert secret not in text, f"{secret} leaked on {url}"
    for url in OBSERVATION_PAGES[:-1] + [f"/evidencias/{observed}"]:  # the control: the accepted one is there
        text = _text(client.get(url, follow_redirects=True))
        assert PUBLISHED_WORD in text and ANSWER_WORD in text, url
    assert "1 pregunta sin respuesta" not in _text(client.get(f"/compromisos/{C}/cumplimiento"))
