"""End-to-end extraction through a pool's child process, as the upload pipeline runs it."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import io
import time
import unicodedata

import pytest
from PIL import Image

from indexer.extract import MAX_TEXT_CHARS, Extraction, Messages, Status, extract_in_process
from indexer.extract.detect import DOCX, ODT, PPTX, XLSX
from tests import samples
from tests.indexer.extract_helpers import ELF

HOSTILE_LIMIT_S = 60


@pytest.fixture(scope="module")
def extract(extractor_pool):
    """Extraction as production runs it: in a pool's child process."""
    return extractor_pool.extract


def fold(text: str) -> str:
    """Lowercase and drop accents so OCR noise on diacritics does not fail a test."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def assert_words(text: str, words: list[str], allowed_misses: int = 0) -> None:
    """Assert the key words a citizen would search for are in ``text``."""
    missing = [w for w in words if fold(w) not in fold(text)]
    assert len(missing) <= allowed_misses, f"missing {missing} in {text!r}"


def assert_thumbnail(data: bytes | None) -> None:
    """The thumbnail is a decodable image no larger than 320 px."""
    assert data, "no thumbnail"
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert max(image.size) <= 320


def test_text_pdf_is_extracted_with_thumbnail(tmp_path, extract):
    path = samples.make_text_pdf(tmp_path / "minuta.pdf", samples.MINUTES_TEXT)
    result = extract(path)
    assert result.status == Status.EXTRACTED
    assert result.mime_type == "application/pdf"
    assert result.pages == 1
    assert "se acordó revisar el padrón de beneficiarios" in result.text
    assert result.error is None
    assert_thumbnail(result.thumbnail)


def test_scanned_pdf_is_ocred(tmp_path, extract):
    path = samples.make_scanned_pdf(tmp_path / "lista.pdf", samples.ATTENDANCE_TEXT)
    result = extract(path)
    assert result.status == Status.OCR
    assert_words(result.text, ["lista", "asistencia", "reunión", "seguimiento"], allowed_misses=1)
    assert_thumbnail(result.thumbnail)


def test_scanned_pdf_without_ocr_is_empty(tmp_path, extract):
    path = samples.make_scanned_pdf(tmp_path / "lista.pdf", samples.ATTENDANCE_TEXT)
    result = extract(path, ocr=False)
    assert result.status == Status.EMPTY
    assert result.text == ""
    assert_thumbnail(result.thumbnail)


def test_docx_includes_tables_headers_and_footers(tmp_path, extract):
    path = samples.make_docx(
        tmp_path / "minuta.docx",
        [samples.MINUTES_TEXT, "Acuerdos de la sesión ordinaria"],
        table_rows=[["Nombre", "Dependencia"], ["María Pérez", "Secretaría de Planeación"]],
        header="Gobierno Abierto Jalisco",
        footer="Página de pie con folio",
    )
    result = extract(path)
    assert result.status == Status.EXTRACTED
    assert result.mime_type == DOCX
    for expected in ("padrón de beneficiarios", "Acuerdos", "María Pérez", "Secretaría de Planeación",
                     "Gobierno Abierto Jalisco", "folio"):
        assert expected in result.text


def test_pptx_includes_speaker_notes(tmp_path, extract):
    path = samples.make_pptx(
        tmp_path / "presentacion.pptx",
        [("Avance del compromiso", "Indicadores del primer trimestre"), ("Próximos pasos", "Mesa de trabajo")],
        notes=["Mencionar la participación ciudadana", ""],
    )
    result = extract(path)
    assert result.status == Status.EXTRACTED
    assert result.mime_type == PPTX
    assert result.pages == 2
    for expected in ("Avance del compromiso", "primer trimestre", "Próximos pasos", "participación ciudadana"):
        assert expected in result.text


def test_xlsx_cells_are_extracted(tmp_path, extract):
    rows = [["Nombre", "Área"], ["José Núñez", "Contraloría"], [1, 2.5]]
    path = samples.make_xlsx(tmp_path / "asistencia.xlsx", rows)
    result = extract(path)
    assert result.status == Status.EXTRACTED
    assert result.mime_type == XLSX
    assert result.pages == 1
    for expected in ("Asistencia", "José Núñez", "Contraloría", "2.5"):
        assert expected in result.text


def test_odt_paragraphs_are_extracted(tmp_path, extract):
    path = samples.make_odt(tmp_path / "relatoria.odt", ["Relatoría del foro", samples.MINUTES_TEXT])
    result = extract(path)
    assert result.status == Status.EXTRACTED
    assert result.mime_type == ODT
    assert "Relatoría del foro" in result.text and "padrón de beneficiarios" in result.text


def test_photo_gives_ocr_text_capture_date_and_thumbnail(tmp_path, extract):
    path = samples.make_photo(tmp_path / "foto.jpg", samples.PHOTO_TEXT, dt.datetime(2024, 3, 15, 10, 30))
    result = extract(path)
    assert result.status == Status.OCR
    assert result.mime_type == "image/jpeg"
    assert result.captured_on == "2024-03-15"
    assert_words(result.text, ["memoria", "fotográfica", "taller", "participación", "ciudadana"], allowed_misses=1)
    assert_thumbnail(result.thumbnail)


def test_multipage_tiff_ocrs_every_page(tmp_path, extract):
    path = samples.make_multipage_tiff(tmp_path / "escaneo.tif", [samples.ATTENDANCE_TEXT, samples.MINUTES_TEXT])
    result = extract(path)
    assert (result.status, result.pages) == (Status.OCR, 2)
    assert_words(result.text, ["asistencia", "seguimiento", "padrón", "beneficiarios"], allowed_misses=1)


@pytest.mark.parametrize(
    ("fmt", "suffix", "mime"),
    [("PNG", "png", "image/png"), ("TIFF", "tif", "image/tiff"), ("WEBP", "webp", "image/webp"),
     ("HEIF", "heic", "image/heic")],
)
def test_image_formats_are_ocred(tmp_path, fmt, suffix, mime, extract):
    path = samples.make_image(tmp_path / f"evidencia.{suffix}", samples.PHOTO_TEXT, fmt)
    result = extract(path)
    assert (result.status, result.mime_type) == (Status.OCR, mime)
    assert result.captured_on is None
    assert_words(result.text, ["memoria", "taller", "ciudadana"], allowed_misses=1)
    assert_thumbnail(result.thumbnail)


PROSE = "Minuta: se acordó revisar el padrón de beneficiarios con Ana Peña y Luis Ibáñez."
CSV = "nombre,área,firma\nAna Peña,Jurídico,sí\nLuis Ibáñez,Finanzas,sí\n"


@pytest.mark.parametrize(
    ("name", "text", "encoding", "mime"),
    [("acta.txt", PROSE, "utf-8", "text/plain"), ("acta.txt", PROSE, "cp1252", "text/plain"),
     ("acta.txt", PROSE, "utf-16", "text/plain"), ("padron.csv", CSV, "utf-8", "text/csv"),
     ("padron.csv", CSV, "cp1252", "text/csv")],
)
def test_text_files_are_decoded(tmp_path, name, text, encoding, mime, extract):
    path = samples.make_text_file(tmp_path / name, text, encoding)
    result = extract(path)
    assert (result.status, result.mime_type) == (Status.EXTRACTED, mime)
    assert "Ana Peña" in result.text and "Luis Ibáñez" in result.text


def test_text_is_normalized(tmp_path, extract):
    path = samples.make_text_file(tmp_path / "nota.txt", "Reunio\u0301n   de\t\tseguimiento\r\n\n\n\n\nAcuerdos  ")
    result = extract(path)
    assert result.text == "Reunión de seguimiento\n\nAcuerdos"


def test_huge_text_is_capped(tmp_path, extract):
    path = tmp_path / "enorme.txt"
    with open(path, "w", encoding="utf-8") as handle:
        for _ in range(60):
            handle.write(("padrón de beneficiarios " * 4 + "\n") * 1000)
    result = extract(path)
    assert result.status == Status.EXTRACTED
    assert result.truncated
    assert 0 < len(result.text) <= MAX_TEXT_CHARS
    assert result.text.startswith("padrón de beneficiarios")


def test_type_comes_from_bytes_not_the_name(tmp_path, extract):
    path = samples.make_docx(tmp_path / "minuta.pdf", [samples.MINUTES_TEXT])
    result = extract(path)
    assert (result.status, result.mime_type) == (Status.EXTRACTED, DOCX)


def test_office_file_that_libmagic_sees_as_zip_is_recognized(tmp_path, extract):
    path = samples.reorder_zip(samples.make_docx(tmp_path / "minuta.docx", [samples.MINUTES_TEXT]))
    result = extract(path)
    assert (result.status, result.mime_type) == (Status.EXTRACTED, DOCX)


def test_owner_password_only_pdf_is_extracted(tmp_path, extract):
    path = samples.make_encrypted_pdf(tmp_path / "protegido.pdf", samples.MINUTES_TEXT, password="")
    result = extract(path)
    assert result.status == Status.EXTRACTED
    assert "padrón de beneficiarios" in result.text


def test_three_extractions_from_threads(tmp_path, extract):
    paths = [samples.make_text_pdf(tmp_path / f"minuta{i}.pdf", f"{samples.MINUTES_TEXT} número {i}") for i in range(3)]
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        results = list(pool.map(extract, paths))
    for i, result in enumerate(results):
        assert result.status == Status.EXTRACTED
        assert f"número {i}" in result.text


def test_in_process_extraction_matches_child(tmp_path, extract):
    path = samples.make_text_pdf(tmp_path / "minuta.pdf", samples.MINUTES_TEXT)
    assert extract_in_process(path) == extract(path)


# Hostile or broken uploads: a clear failure, quickly, and the caller never sees an exception.


def _extract_hostile(extract, path) -> Extraction:
    started = time.monotonic()
    result = extract(path)
    assert time.monotonic() - started < HOSTILE_LIMIT_S
    return result


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: samples.make_elf_as_pdf(p / "programa.pdf"), Messages.UNSUPPORTED.format(mime=ELF)),
        (lambda p: samples.make_encrypted_pdf(p / "cifrado.pdf", samples.MINUTES_TEXT, "secreta"), Messages.ENCRYPTED),
        (lambda p: samples.make_pdf_flate_bomb(p / "bomba.pdf"), Messages.LIMITS),
        (lambda p: samples.make_big_png(p / "enorme.png"), Messages.IMAGE_TOO_LARGE),
        (lambda p: samples.make_text_file(p / "vacio.pdf", ""), Messages.EMPTY_FILE),
        (lambda p: p / "no-existe.pdf", Messages.NOT_FOUND),
    ],
    ids=["elf-named-pdf", "encrypted-pdf", "pdf-flate-bomb", "100-megapixel-png", "empty-file", "missing-file"],
)
def test_hostile_inputs_fail_clearly(tmp_path, make, message, extract):
    result = _extract_hostile(extract, make(tmp_path))
    assert (result.status, result.error) == (Status.FAILED, message)
    assert result.text == ""


def test_docx_zip_bomb_is_rejected_before_inflating(docx_zip_bomb, extract):
    result = _extract_hostile(extract, docx_zip_bomb)
    assert (result.status, result.error) == (Status.FAILED, Messages.LIMITS)
    assert result.mime_type == DOCX


def test_truncated_pdf_fails_or_keeps_partial_text(tmp_path, extract):
    path = samples.make_truncated_pdf(tmp_path / "cortado.pdf", samples.MINUTES_TEXT)
    result = _extract_hostile(extract, path)
    if result.status == Status.FAILED:
        assert result.error == Messages.DAMAGED
    else:
        assert "padrón" in result.text


def test_truncated_docx_is_damaged(tmp_path, extract):
    path = samples.make_docx(tmp_path / "minuta.docx", [samples.MINUTES_TEXT])
    path.write_bytes(path.read_bytes()[:2000])
    result = _extract_hostile(extract, path)
    assert (result.status, result.error, result.mime_type) == (Status.FAILED, Messages.DAMAGED, DOCX)


def test_result_survives_the_trip_out_of_the_child():
    original = Extraction(status=Status.OCR, text="Minuta", mime_type="image/png", pages=1,
                          captured_on="2024-03-15", thumbnail=b"\xff\xd8jpeg", truncated=True)
    assert Extraction.from_json(original.to_json()) == original
