"""In-process pieces of the extractor: detection, guards, decoding and normalization."""

from __future__ import annotations

import zipfile

import pytest

from indexer.extract import ALLOWED_MIME_TYPES, Messages, Status, detect_mime, extract_in_process
from indexer.extract.detect import DOCX, ODT, PPTX, XLSX
from indexer.extract.parsers.text import decode_text
from indexer.extract.result import ExtractionError, TextBuffer, normalize_text
from indexer.extract.safety import check_zip
from tests import samples


def test_allowed_types_have_spanish_labels():
    assert ALLOWED_MIME_TYPES["application/pdf"] == "PDF"
    assert ALLOWED_MIME_TYPES[DOCX] == "Word (DOCX)"
    assert ALLOWED_MIME_TYPES["image/jpeg"] == "Imagen JPEG"
    assert {"image/heic", "image/webp", "image/tiff", "text/csv", ODT, PPTX, XLSX} <= set(ALLOWED_MIME_TYPES)


@pytest.mark.parametrize(
    ("make", "mime"),
    [
        (lambda p: samples.make_docx(p / "a.bin", ["Minuta"]), DOCX),
        (lambda p: samples.make_pptx(p / "a.bin", [("Título", "Texto")]), PPTX),
        (lambda p: samples.make_xlsx(p / "a.bin", [["Nombre"]]), XLSX),
        (lambda p: samples.make_odt(p / "a.bin", ["Relatoría"]), ODT),
    ],
    ids=["docx", "pptx", "xlsx", "odt"],
)
def test_zip_based_types_are_told_apart_even_when_libmagic_says_zip(tmp_path, make, mime):
    path = make(tmp_path)
    assert detect_mime(path) == mime
    assert detect_mime(samples.reorder_zip(path)) == mime


def test_other_zips_are_not_allowed(tmp_path):
    plain = tmp_path / "fotos.docx"
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("foto.txt", "hola")
    spreadsheet = tmp_path / "hoja.odt"
    with zipfile.ZipFile(spreadsheet, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<x/>")
    assert detect_mime(plain) == "application/zip"
    assert detect_mime(spreadsheet) == "application/vnd.oasis.opendocument.spreadsheet"
    result = extract_in_process(plain)
    assert (result.status, result.error) == (Status.FAILED, "Tipo de archivo no admitido: application/zip")


def test_only_allowed_types_are_extracted(tmp_path):
    result = extract_in_process(samples.make_text_pdf(tmp_path / "a.pdf", "Minuta"))
    assert result.ok and result.mime_type == "application/pdf"
    result = extract_in_process(samples.make_elf_as_pdf(tmp_path / "programa.pdf"))
    assert (result.status, result.mime_type) == (Status.FAILED, "application/x-executable")
    assert result.error == Messages.UNSUPPORTED.format(mime="application/x-executable")
    result = extract_in_process(samples.make_text_file(tmp_path / "vacio.txt", ""))
    assert (result.status, result.error) == (Status.FAILED, Messages.EMPTY_FILE)


def test_zip_guard_rejects_declared_bombs(tmp_path, docx_zip_bomb):
    with pytest.raises(ExtractionError, match=Messages.LIMITS):
        check_zip(docx_zip_bomb)
    ratio_bomb = tmp_path / "proporcion.docx"
    with zipfile.ZipFile(ratio_bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (20 * 1024 * 1024))
    with pytest.raises(ExtractionError, match=Messages.LIMITS):
        check_zip(ratio_bomb)
    check_zip(samples.make_docx(tmp_path / "normal.docx", ["Minuta"]))


def test_in_process_extraction_also_refuses_the_zip_bomb(docx_zip_bomb):
    result = extract_in_process(docx_zip_bomb)
    assert (result.status, result.error) == (Status.FAILED, Messages.LIMITS)


def test_in_process_deadline_stops_ocr(tmp_path):
    path = samples.make_scanned_pdf(tmp_path / "lista.pdf", samples.ATTENDANCE_TEXT)
    result = extract_in_process(path, timeout=0)
    assert (result.status, result.error) == (Status.FAILED, Messages.TIMEOUT)


def test_photo_without_exif_has_no_capture_date(tmp_path):
    result = extract_in_process(samples.make_photo(tmp_path / "foto.jpg", exif_date=None), ocr=False)
    assert (result.status, result.captured_on) == (Status.EMPTY, None)
    assert result.thumbnail


def test_normalize_text():
    assert normalize_text("a\x00b  c\t\td\u00a0e") == "ab c d e"
    assert normalize_text("Reunio\u0301n") == "Reunión"
    assert normalize_text("  uno \r\n\r\n\r\n\r\n dos\x0ctres  ") == "uno\n\ndos\ntres"
    assert normalize_text("roto\ud800") == "roto"


def test_text_buffer_caps_and_reports_truncation():
    buffer = TextBuffer(limit=10)
    assert buffer.add("padrón")
    assert not buffer.add("beneficiarios")
    assert not buffer.add("más")
    assert buffer.truncated
    assert len(buffer.text()) <= 10


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])
def test_decode_text(encoding):
    text = "Acuerdo: año fiscal, señalética, “comillas”" if encoding != "latin-1" else "Acuerdo: año fiscal"
    assert decode_text(text.encode(encoding)) == text


def test_decode_text_tolerates_a_cut_multibyte_character():
    assert decode_text("padrón".encode()[:-1] + "ó".encode()[:1]) == "padró"


def test_malformed_binary_that_libmagic_calls_text_is_not_text(tmp_path):
    """A truncated ELF header is "text/plain" to libmagic; NUL bytes give it away."""
    from indexer.extract import ALLOWED_MIME_TYPES, detect_mime

    path = tmp_path / "informe.pdf"
    path.write_bytes(b"\x7fELF" + b"\x00" * 64)
    assert detect_mime(path) not in ALLOWED_MIME_TYPES


@pytest.mark.parametrize("kind", ["pdf", "docx", "pptx", "xlsx", "odt", "png", "txt"])
def test_stored_files_have_no_extension(tmp_path, kind):
    """The file store names files by SHA-256 only; no parser may depend on the suffix."""
    from indexer.extract import extract_in_process
    from tests import samples

    named = tmp_path / f"muestra.{kind}"
    makers = {
        "pdf": lambda p: samples.make_text_pdf(p, "Acta de la sesión"),
        "docx": lambda p: samples.make_docx(p, ["Acta de la sesión"]),
        "pptx": lambda p: samples.make_pptx(p, [("Acta", "de la sesión")]),
        "xlsx": lambda p: samples.make_xlsx(p, [["Acta", "de la sesión"]]),
        "odt": lambda p: samples.make_odt(p, ["Acta de la sesión"]),
        "png": lambda p: samples.make_image(p, "ACTA DE LA SESION"),
        "txt": lambda p: samples.make_text_file(p, "Acta de la sesión"),
    }
    makers[kind](named)
    bare = tmp_path / "b62b0c6a6d17e063f62ff12d8b1a2486b3de11e1e88c1766b662678d5d1da5d3"
    named.rename(bare)
    result = extract_in_process(bare)
    assert result.status in {"extracted", "ocr"}, result.error
    assert "acta" in result.text.lower()
