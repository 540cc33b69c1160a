"""Type detection from the file's bytes (libmagic), never from its name."""

from __future__ import annotations

import os
import zipfile
from types import MappingProxyType

import magic

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"


def N_(label: str) -> str:
    """Marks a label for the translation catalogue (``make messages``): the web
    app shows it in the reader's language; the index and its filters keep it
    as written here."""
    return label


ALLOWED_MIME_TYPES = MappingProxyType(
    {
        PDF: N_("PDF"),
        DOCX: N_("Word (DOCX)"),
        PPTX: N_("PowerPoint (PPTX)"),
        XLSX: N_("Excel (XLSX)"),
        ODT: N_("Texto OpenDocument (ODT)"),
        "image/jpeg": N_("Imagen JPEG"),
        "image/png": N_("Imagen PNG"),
        "image/tiff": N_("Imagen TIFF"),
        "image/webp": N_("Imagen WebP"),
        "image/heic": N_("Imagen HEIC"),
        "image/heif": N_("Imagen HEIF"),
        "text/plain": N_("Texto (TXT)"),
        "text/csv": N_("Valores separados por comas (CSV)"),
    }
)

# The file name extensions each stored type is downloaded with (the first one when the name has none of them).
EXTENSIONS = MappingProxyType(
    {
        PDF: (".pdf",),
        DOCX: (".docx",),
        PPTX: (".pptx",),
        XLSX: (".xlsx",),
        ODT: (".odt",),
        "image/jpeg": (".jpg", ".jpeg", ".jpe"),
        "image/png": (".png",),
        "image/tiff": (".tif", ".tiff"),
        "image/webp": (".webp",),
        "image/heic": (".heic",),
        "image/heif": (".heif", ".heic"),
        "text/plain": (".txt",),
        "text/csv": (".csv",),
    }
)

# Text that merely mentions tags is text; it is stored and served as plain text, never rendered.
_ALIASES = {
    "text/html": "text/plain",
    "text/xml": "text/plain",
    "application/csv": "text/csv",
    "image/heic-sequence": "image/heic",
    "image/heif-sequence": "image/heif",
}
_TEXT = {"text/plain", "text/csv"}
_GENERIC_ZIP = {"application/zip", "application/x-zip-compressed", "application/octet-stream"}
_ZIP_BASED = {DOCX, PPTX, XLSX, ODT}
_OOXML_MAIN_PARTS = (
    (b"wordprocessingml.document.main+xml", DOCX),
    (b"presentationml.presentation.main+xml", PPTX),
    (b"spreadsheetml.sheet.main+xml", XLSX),
)
_ODF_PREFIX = "application/vnd.oasis.opendocument."
_MAX_SNIFF_BYTES = 1 << 20


def detect_mime(path) -> str:
    """Return the MIME type libmagic sees in the bytes, refined for zip-based office files.

    The result may be any type; check it against ALLOWED_MIME_TYPES.
    """
    mime = magic.from_file(os.fspath(path), mime=True)
    mime = _ALIASES.get(mime, mime)
    if mime in _GENERIC_ZIP or mime in _ZIP_BASED:
        return _sniff_zip(path) or mime
    if mime in _TEXT and _looks_binary(path):
        return "application/octet-stream"
    return mime


def name_for_type(name: str, mime: str) -> str:
    """``name`` with an extension that matches ``mime``: what a browser or desktop will open the file as
    follows the detected type, not the uploader's name (``acta.html`` stored as text/plain is ``acta.txt``)."""
    extensions = EXTENSIONS.get(mime, (".bin",))
    stem, dot, ext = name.rpartition(".")
    if dot and "." + ext.lower() in extensions:
        return name
    return (stem if dot and stem else name) + extensions[0]


def _looks_binary(path) -> bool:
    """libmagic calls some malformed binaries (a broken ELF header) text/plain; real text has no NUL bytes."""
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in head


def _sniff_zip(path) -> str | None:
    """Tell DOCX/PPTX/XLSX/ODT apart by the ODF ``mimetype`` entry or ``[Content_Types].xml``.

    Only small entries are read, so a zip bomb cannot hurt detection.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            entries = {info.filename: info for info in archive.infolist()}
            odf = entries.get("mimetype")
            if odf is not None and odf.file_size <= 200:
                declared = archive.read(odf).decode("ascii", "replace").strip()
                return declared if declared.startswith(_ODF_PREFIX) else None
            types = entries.get("[Content_Types].xml")
            if types is not None and types.file_size <= _MAX_SNIFF_BYTES:
                data = archive.read(types)
                for marker, mime in _OOXML_MAIN_PARTS:
                    if marker in data:
                        return mime
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        return None
    return None
