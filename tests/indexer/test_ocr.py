"""OCR of scans as people make them, through a pool child and the real Tesseract: a page fed sideways, a ruled
attendance list, a multi-page scanned PDF, and the searchable copy of each."""

from __future__ import annotations

import random

import pytest
from pypdf import PdfReader

from indexer.extract import Status
from tests import scans


@pytest.fixture(scope="module")
def extract(extractor_pool):
    return extractor_pool.extract


def small_minuta(seed: int):
    return scans.minuta(random.Random(seed), width=900, height=560, size=26, columns=1)


def test_a_page_fed_sideways_is_turned_upright_and_read(extract, tmp_path):
    page, text = small_minuta(1)
    path = tmp_path / "de-lado.png"
    scans.sideways(page).save(path)

    result = extract(path)

    assert result.status == Status.OCR
    assert scans.recall(scans.words_of(text), result.text) >= 0.9
    assert result.ocr_pages and result.ocr_pages[0]["rotation"] in (90, 270)
    assert result.ocr_confidence is not None and result.ocr_confidence > 70


def test_a_ruled_attendance_list_reads_its_names(extract, tmp_path):
    page, text = scans.scanned_list(3, small=True)
    path = tmp_path / "lista.jpg"
    page.save(path, "JPEG", quality=80)

    result = extract(path)

    names = scans.words_of("\n".join(line for line in text.splitlines()[3:]))
    assert scans.recall(names, result.text) >= 0.9, result.text
    assert "CIDES".casefold() in result.text.casefold() or "cides" not in names


def test_every_page_of_a_scanned_pdf_is_read_and_copied_with_text(extract, tmp_path):
    pages, texts = [], []
    for seed in (4, 5, 6):
        page, text = small_minuta(seed)
        pages.append(scans.noise(page, random.Random(seed), 0.001))
        texts.append(text)
    original = scans.save_pdf(pages, tmp_path / "minutas.pdf")
    before = original.read_bytes()
    copy = tmp_path / "con-texto.pdf"

    result = extract(original, searchable_pdf=str(copy))

    assert result.pages == 3 and [p["page"] for p in result.ocr_pages or []] == [1, 2, 3]
    assert all(p["seconds"] > 0 for p in result.ocr_pages or [])
    for text in texts:
        assert scans.recall(scans.words_of(text), result.text) >= 0.9
    assert original.read_bytes() == before  # the original is never touched
    assert result.searchable_pdf == str(copy)
    reader = PdfReader(copy)
    assert len(reader.pages) == 3
    for page, text in zip(reader.pages, texts):
        assert scans.recall(scans.words_of(text), page.extract_text()) >= 0.8
        assert page.images  # the scan itself is still there under the text


def test_a_photo_gets_a_searchable_copy_and_a_text_pdf_does_not(extract, tmp_path):
    from tests import samples

    page, text = small_minuta(7)
    photo = tmp_path / "foto.jpg"
    page.save(photo, "JPEG", quality=85)
    text_pdf = samples.make_text_pdf(tmp_path / "texto.pdf", "Minuta de la sesión con texto propio")

    scanned = extract(photo, searchable_pdf=str(tmp_path / "foto-con-texto.pdf"))
    typed = extract(text_pdf, searchable_pdf=str(tmp_path / "texto-con-texto.pdf"))

    assert scanned.searchable_pdf and "sesión" in PdfReader(scanned.searchable_pdf).pages[0].extract_text()
    assert typed.status == Status.EXTRACTED and typed.searchable_pdf is None and typed.ocr_confidence is None
    assert not (tmp_path / "texto-con-texto.pdf").exists()
