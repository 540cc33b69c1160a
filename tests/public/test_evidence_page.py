"""The evidence page (#13 C6): previews of a PDF's first pages and of a photo, drawn in a child process and kept on
disk, shown exactly when the file may be downloaded; sizes people read, versions newest first, one breadcrumb,
Open Graph tags with nothing restricted in them."""
from __future__ import annotations

import html
import io
import re

import pytest
from fpdf import FPDF
from PIL import Image

from evidence_repo.services import services
from tests import samples
from tests.helpers import csrf_token, login

SECRET = "expediente-reservado-tlaquepaque"


def pdf_bytes(pages: int, words: str = "Minuta de la mesa de trabajo") -> bytes:
    pdf = FPDF()
    for n in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("helvetica", size=14)
        pdf.multi_cell(0, 8, f"{words}, página {n}. " * 40)
    return bytes(pdf.output())


def png_bytes(tmp_path, text: str = "Foto de la sesion con asistentes") -> bytes:
    return samples.make_image(tmp_path / "foto.png", text).read_bytes()


def send(client, token: str, data: bytes, name: str, visibility: str = "public", title: str = "") -> int:
    form = {"milestone": "3", "means": "Minuta", "visibility": visibility, "title": title or name,
            "file": (io.BytesIO(data), name)}
    r = client.post("/api/v1/evidence", data=form, headers={"Authorization": f"Bearer {token}"},
                    content_type="multipart/form-data")
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()["id"]


@pytest.fixture
def staff(app, make_user):
    make_user("revisora@jalisco.gob.mx", "staff")
    client = app.test_client()
    login(client, "revisora@jalisco.gob.mx")
    return client


def preview_folder(app, evidence_id: int):
    with services(app).sessions() as session:
        from evidence_repo.evidence.models import Evidence

        sha = session.get(Evidence, evidence_id).current.sha256
    return services(app).previews.root / sha[:2] / sha


def texts(fragment: str) -> list[str]:
    """The visible text of each <li> in an HTML fragment, tags and the separators stripped."""
    items = re.findall(r"<li>(.*?)</li>", fragment, re.S)
    return [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>|›", "", item))).strip() for item in items]


def breadcrumb(page: str) -> list[str]:
    nav = re.search(r'<nav aria-label="Ruta" class="breadcrumb">(.*?)</nav>', page, re.S)
    assert nav, "the page has a breadcrumb"
    return texts(nav.group(1))


def og(page: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in re.findall(r'<meta property="(og:[a-z:_]+)" content="([^"]*)">', page)}


# ------------------------------------------------------------------------------------------------- previews

def test_a_pdf_shows_its_first_pages_drawn_once_and_kept_on_disk(app, client, staff_token, worker):
    evidence_id = send(client, staff_token, pdf_bytes(4), "minuta.pdf", title="Minuta de la sesión")
    worker.drain()
    page = client.get(f"/evidencias/{evidence_id}").get_data(as_text=True)
    assert "Vista previa" in page and "Primeras 3 de 4 páginas" in page
    assert [int(n) for n in re.findall(rf'<img src="/evidencias/{evidence_id}/vista/(\d)"', page)] == [1, 2, 3]
    assert 'id="viewer"' in page and "viewer.js" in page  # the viewer (Escape, focus: tests/e2e)

    r = client.get(f"/evidencias/{evidence_id}/vista/2")
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(r.get_data()))
    assert image.format == "JPEG" and abs(image.width - 1400) <= 1 and image.height > image.width  # a portrait A4 page
    kept = preview_folder(app, evidence_id) / "2.jpg"
    assert kept.read_bytes() == r.get_data()
    drawn_at = kept.stat().st_mtime_ns
    assert client.get(f"/evidencias/{evidence_id}/vista/2").get_data() == r.get_data()
    assert kept.stat().st_mtime_ns == drawn_at  # served from disk, not drawn again
    assert client.get(f"/evidencias/{evidence_id}/vista/4").status_code == 404  # only the first three
    assert client.get(f"/evidencias/{evidence_id}/vista/0").status_code == 404


def test_a_photo_opens_large(app, client, staff_token, worker, tmp_path):
    evidence_id = send(client, staff_token, png_bytes(tmp_path), "foto.png", title="Foto de la sesión")
    worker.drain()
    page = client.get(f"/evidencias/{evidence_id}").get_data(as_text=True)
    link = re.search(rf'<a href="/evidencias/{evidence_id}/vista/1" data-viewer data-caption="Foto de la sesión">\s*'
                     rf'<img src="/evidencias/{evidence_id}/miniatura" alt="Foto: Foto de la sesión. Ampliar">', page)
    assert link, "the photo's thumbnail is a link to it in large"
    assert "Primeras" not in page
    r = client.get(f"/evidencias/{evidence_id}/vista/1")
    assert r.status_code == 200 and Image.open(io.BytesIO(r.get_data())).width > 320  # larger than the thumbnail
    assert client.get(f"/evidencias/{evidence_id}/vista/2").status_code == 404


def test_restricted_evidence_has_no_public_preview(app, client, staff_token, worker, staff):
    evidence_id = send(client, staff_token, pdf_bytes(1, SECRET), "reservado.pdf", visibility="restricted")
    worker.drain()
    r = client.get(f"/evidencias/{evidence_id}/vista/1")
    assert r.status_code == 404 and b"\xff\xd8" not in r.get_data()
    assert not preview_folder(app, evidence_id).exists(), "nothing was drawn for an anonymous reader"
    r = staff.get(f"/evidencias/{evidence_id}/vista/1")
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    assert "no-store" in r.headers["Cache-Control"] and "private" in r.headers["Cache-Control"]
    assert client.get(f"/evidencias/{evidence_id}/vista/1").status_code == 404  # drawn now, still not public


def test_a_withdrawn_file_has_no_preview_and_a_purge_removes_it(app, client, staff_token, worker, staff, make_user):
    evidence_id = send(client, staff_token, pdf_bytes(1), "duplicada.pdf")
    worker.drain()
    assert client.get(f"/evidencias/{evidence_id}/vista/1").status_code == 200
    token = csrf_token(staff, f"/evidencias/{evidence_id}")
    staff.post(f"/personal/evidencias/{evidence_id}/retirar", data={"csrf_token": token, "reason": "Duplicada"})
    assert client.get(f"/evidencias/{evidence_id}/vista/1").status_code == 410
    assert staff.get(f"/evidencias/{evidence_id}/vista/1").status_code == 200  # staff still see what they withdrew
    folder = preview_folder(app, evidence_id)
    assert (folder / "1.jpg").exists()
    make_user("admin@jalisco.gob.mx", "admin")
    admin = app.test_client()
    login(admin, "admin@jalisco.gob.mx")
    r = admin.post(f"/admin/evidencias/{evidence_id}/purgar", follow_redirects=True,
                   data={"csrf_token": csrf_token(admin, f"/evidencias/{evidence_id}"), "reason": "datos"})
    assert r.status_code == 200
    assert not folder.exists(), "a purge removes the previews with the bytes"
    assert admin.get(f"/evidencias/{evidence_id}/vista/1").status_code == 410
    assert "/vista/" not in admin.get(f"/evidencias/{evidence_id}").get_data(as_text=True)


def test_an_older_version_has_a_preview_only_for_staff(app, client, staff_token, worker, staff):
    evidence_id = send(client, staff_token, pdf_bytes(1, SECRET), "lista.pdf")
    r = staff.post(f"/personal/evidencias/{evidence_id}/reemplazar", content_type="multipart/form-data",
                   data={"csrf_token": csrf_token(staff, f"/personal/evidencias/{evidence_id}/editar"),
                         "replace-file": (io.BytesIO(pdf_bytes(1, "testada")), "lista-testada.pdf")})
    assert r.status_code == 302
    worker.drain()
    assert client.get(f"/evidencias/{evidence_id}/vista/1?version=1").status_code == 404
    assert client.get(f"/evidencias/{evidence_id}/vista/1").status_code == 200
    assert staff.get(f"/evidencias/{evidence_id}/vista/1?version=1").status_code == 200


# ------------------------------------------------------------------------------------------ what the page says

def test_sizes_in_kb_and_versions_newest_first(app, client, staff_token, worker, staff):
    evidence_id = send(client, staff_token, pdf_bytes(2), "minuta.pdf")
    for name in ("minuta-v2.txt", "minuta-v3.txt"):
        r = staff.post(f"/personal/evidencias/{evidence_id}/reemplazar", content_type="multipart/form-data",
                       data={"csrf_token": csrf_token(staff, f"/personal/evidencias/{evidence_id}/editar"),
                             "replace-file": (io.BytesIO(name.encode() + b" Minuta corregida " * 200), name)})
        assert r.status_code == 302
    worker.drain()
    page = staff.get(f"/evidencias/{evidence_id}").get_data(as_text=True)
    kind = re.search(r"Tipo de archivo</dt><dd>(.*?)</dd>", page).group(1)
    assert kind.endswith(" · 4 KB") and "bytes" not in kind, kind  # 3,613 bytes
    versions = texts(re.search(r'<ol class="versions">(.*?)</ol>', page, re.S).group(1))
    assert [v.split(" · ")[0] for v in versions] == ["Versión 3 actual", "Versión 2 anterior", "Versión 1 original"]
    assert "minuta-v3.txt" in versions[0] and "minuta.pdf" in versions[2] and "KB" in versions[2]


def test_one_breadcrumb_pattern_from_home_to_the_evidence(app, client, staff_token):
    evidence_id = send(client, staff_token, b"Minuta de la sesion", "minuta.txt")
    commitment = client.get("/api/v1/milestones/3").get_json()
    plan_and_commitment = breadcrumb(client.get(f"/evidencias/{evidence_id}").get_data(as_text=True))[1:3]
    trail = ["Inicio", *plan_and_commitment]
    assert len(plan_and_commitment) == 2 and all(plan_and_commitment), commitment
    page = client.get(f"/evidencias/{evidence_id}").get_data(as_text=True)
    assert breadcrumb(page) == [*trail, "Meta 3", f"Evidencia #{evidence_id}"]
    assert '<span aria-current="page">Evidencia #' in page
    slug = re.search(r'<a href="/compromisos/([^"/]+)/metas/3">Meta 3</a>', page).group(1)
    assert breadcrumb(client.get(f"/compromisos/{slug}/metas/3").get_data(as_text=True)) == [*trail, "Meta 3"]
    assert breadcrumb(client.get(f"/compromisos/{slug}").get_data(as_text=True)) == trail
    assert breadcrumb(client.get(f"/compromisos/{slug}/cumplimiento").get_data(as_text=True)) == [*trail,
                                                                                                   "Cumplimiento"]
    plan_slug = re.search(r'<a href="/planes/([^"]+)">', page).group(1)
    assert breadcrumb(client.get(f"/planes/{plan_slug}").get_data(as_text=True)) == trail[:2]


def test_open_graph_tags_share_public_evidence_and_nothing_restricted(app, client, staff_token, worker, staff,
                                                                      tmp_path):
    public_id = send(client, staff_token, png_bytes(tmp_path), "foto.png", title="Foto de la mesa de trabajo")
    secret_id = send(client, staff_token, png_bytes(tmp_path, "Lista reservada"), "reservada.png", visibility="restricted",
                     title=f"Lista {SECRET}")
    worker.drain()
    tags = og(client.get(f"/evidencias/{public_id}").get_data(as_text=True))
    assert tags["og:title"] == "Foto de la mesa de trabajo" and tags["og:type"] == "article"
    assert tags["og:url"] == f"http://localhost/evidencias/{public_id}"
    assert tags["og:image"] == f"http://localhost/evidencias/{public_id}/miniatura"
    assert tags["og:description"].startswith("Minuta de la meta 3 · ")
    assert client.get(tags["og:image"]).status_code == 200  # a crawler can fetch it

    page = staff.get(f"/evidencias/{secret_id}").get_data(as_text=True)
    assert SECRET in page  # staff see it...
    tags = og(page)
    assert tags and not any(SECRET in v or f"/evidencias/{secret_id}" in v for v in tags.values())  # ...not shared
    tags = og(client.get("/compromisos/jalisco-apoyo-organizaciones-sociedad-civil/metas/3").get_data(as_text=True))
    assert tags["og:title"].startswith("Meta 3") and tags["og:description"]


def test_sizes_read_as_people_say_them(app):
    from evidence_repo.templating import file_size

    with app.test_request_context("/"):
        assert [file_size(n) for n in (0, 830, 1024, 23 * 1024 + 300, 1_468_006, 12 * 1024 * 1024)] == [
            "0 bytes", "830 bytes", "1 KB", "23 KB", "1.4 MB", "12 MB"]


def test_a_damaged_pdf_gets_a_clear_404_not_a_preview(app, client, staff_token, worker):
    evidence_id = send(client, staff_token, b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"\x00garbage" * 50,
                       "danado.pdf")
    worker.drain()
    assert client.get(f"/evidencias/{evidence_id}").status_code == 200
    r = client.get(f"/evidencias/{evidence_id}/vista/1")
    assert r.status_code == 404 and "descargue el archivo" in r.get_data(as_text=True)
    assert (preview_folder(app, evidence_id) / "1.none").exists()  # not read again on every visit
    assert client.get(f"/evidencias/{evidence_id}/vista/1").status_code == 404
