"""A scan's searchable PDF copy and its text quality, as staff and the public see them (real Tesseract)."""

from __future__ import annotations

import io
import random

import pytest
from PIL import ImageFilter
from pypdf import PdfReader
from sqlalchemy import select

from evidence_repo.evidence.models import EvidenceFile
from tests import scans
from tests.helpers import login, upload_file


def scan_png(seed: int, blurry: bool = False) -> bytes:
    page, _ = scans.minuta(random.Random(seed), width=700, height=300, size=15 if blurry else 24, columns=1)
    if blurry:  # a scan too soft to read surely: OCR's confidence falls below the "baja calidad" line
        page = scans.jpeg(page.filter(ImageFilter.GaussianBlur(1.8)), 20)
    out = io.BytesIO()
    page.save(out, "PNG")
    return out.getvalue()


def upload_scan(client, token: str, data: bytes, visibility: str = "public", name: str = "lista.png") -> int:
    return upload_file(client, token, name, data, visibility)


@pytest.fixture
def staff(app, make_user):
    make_user("revisora@jalisco.gob.mx", "staff")
    client = app.test_client()
    login(client, "revisora@jalisco.gob.mx")
    return client


def test_a_public_scan_offers_its_searchable_copy_and_keeps_the_original(app, client, staff_token, worker):
    original = scan_png(1)
    evidence_id = upload_scan(client, staff_token, original)
    worker.drain()
    public = app.test_client()

    page = public.get(f"/evidencias/{evidence_id}").get_data(as_text=True)
    copy = public.get(f"/evidencias/{evidence_id}/pdf-con-texto")

    assert "Descargar PDF con texto" in page
    assert copy.status_code == 200 and copy.mimetype == "application/pdf"
    assert "lista (con texto).pdf" in copy.headers["Content-Disposition"]
    assert "sesión" in PdfReader(io.BytesIO(copy.data)).pages[0].extract_text()
    assert public.get(f"/evidencias/{evidence_id}/descargar").data == original  # byte-exact
    described = public.get(f"/api/v1/evidence/{evidence_id}").get_json()
    assert described["searchable_pdf_url"].endswith(f"/evidencias/{evidence_id}/pdf-con-texto")
    assert described["ocr_confidence"] > 70


def test_a_restricted_scans_copy_is_hidden_from_the_public_like_the_original(app, client, staff_token, worker,
                                                                             staff):
    evidence_id = upload_scan(client, staff_token, scan_png(2), visibility="restricted")
    worker.drain()
    public = app.test_client()

    assert public.get(f"/evidencias/{evidence_id}/pdf-con-texto").status_code == 404
    assert public.get(f"/evidencias/{evidence_id}/descargar").status_code == 404
    assert staff.get(f"/evidencias/{evidence_id}/pdf-con-texto").status_code == 200
    assert "Descargar PDF con texto" in staff.get(f"/evidencias/{evidence_id}").get_data(as_text=True)


def test_a_text_file_has_no_copy_to_offer(app, client, staff_token, worker):
    from tests.helpers import upload

    evidence_id = upload(client, staff_token, 3, "Minuta", "Minuta escrita a máquina")
    worker.drain()

    assert "PDF con texto" not in client.get(f"/evidencias/{evidence_id}").get_data(as_text=True)
    assert client.get(f"/evidencias/{evidence_id}/pdf-con-texto").status_code == 404


def test_staff_see_low_quality_text_flagged_and_reindex_redoes_only_those(app, client, staff_token, worker, staff,
                                                                          session):
    blurry = upload_scan(client, staff_token, scan_png(3, blurry=True), name="borrosa.png")
    sharp = upload_scan(client, staff_token, scan_png(4), name="nitida.png")
    worker.drain()

    assert "Texto de baja calidad" in staff.get(f"/evidencias/{blurry}").get_data(as_text=True)
    assert "Texto de baja calidad" not in staff.get(f"/evidencias/{sharp}").get_data(as_text=True)
    listing = staff.get("/personal/evidencias").get_data(as_text=True)
    assert listing.count("Texto de baja calidad") == 1
    assert "Texto de baja calidad" not in app.test_client().get(f"/evidencias/{blurry}").get_data(as_text=True)

    before = dict(session.execute(select(EvidenceFile.evidence_id, EvidenceFile.processed_at)).all())
    result = app.test_cli_runner().invoke(args=["reindex", "--re-extract", "--only-low-quality"])
    session.expire_all()
    after = dict(session.execute(select(EvidenceFile.evidence_id, EvidenceFile.processed_at)).all())

    assert result.exit_code == 0, result.output
    assert after[blurry] != before[blurry] and after[sharp] == before[sharp]
    refused = app.test_cli_runner().invoke(args=["reindex", "--only-low-quality"])
    assert refused.exit_code != 0 and "--re-extract" in refused.output


def test_the_copy_of_a_replaced_or_withdrawn_scan_follows_its_original(app, client, staff_token, staff, worker):
    """An older version's copy is staff-only like the older version itself; withdrawal answers 410 for both."""
    from tests.helpers import csrf_token

    evidence_id = upload_scan(client, staff_token, scan_png(4))
    worker.drain()
    edit = f"/personal/evidencias/{evidence_id}/editar"
    r = staff.post(f"/personal/evidencias/{evidence_id}/reemplazar", content_type="multipart/form-data",
                   data={"csrf_token": csrf_token(staff, edit),
                         "replace-file": (io.BytesIO(scan_png(5)), "lista-corregida.png")})
    assert r.status_code in (200, 302), r.status_code
    worker.drain()
    public = app.test_client()
    assert public.get(f"/evidencias/{evidence_id}/pdf-con-texto?version=1").status_code == 404
    assert staff.get(f"/evidencias/{evidence_id}/pdf-con-texto?version=1").status_code == 200
    current = public.get(f"/evidencias/{evidence_id}/pdf-con-texto")
    assert current.status_code == 200 and current.headers["Cache-Control"].startswith("public")

    r = staff.post(f"/personal/evidencias/{evidence_id}/retirar",
                   data={"csrf_token": csrf_token(staff, edit), "reason": "Contiene firmas"})
    assert r.status_code in (200, 302)
    assert public.get(f"/evidencias/{evidence_id}/pdf-con-texto").status_code == 410
    assert public.get(f"/evidencias/{evidence_id}/descargar").status_code == 410
