"""Result type, user-facing messages and text normalization shared by all parsers."""

from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

MAX_TEXT_CHARS = 5_000_000


class Status(StrEnum):
    EXTRACTED = "extracted"
    OCR = "ocr"
    EMPTY = "empty"
    FAILED = "failed"


class Messages:
    """End-user messages (es-MX); the web layer shows them as they are."""

    EMPTY_FILE = "El archivo está vacío"
    NOT_FOUND = "No se encontró el archivo"
    UNSUPPORTED = "Tipo de archivo no admitido: {mime}"
    ENCRYPTED = "El PDF está cifrado y no se pudo abrir sin contraseña"
    DAMAGED = "El archivo está dañado o incompleto"
    LIMITS = "El archivo excede los límites de descompresión"
    IMAGE_TOO_LARGE = "La imagen es demasiado grande (excede el límite de píxeles permitido)"
    TIMEOUT = "Se agotó el tiempo de extracción"
    MEMORY = "El archivo requiere más memoria de la permitida para procesarlo"
    OCR_UNAVAILABLE = "El reconocimiento de texto (OCR) no está disponible en el servidor"
    OCR_FAILED = "No se pudo reconocer el texto de la imagen"
    CRASHED = "El proceso de extracción terminó de forma inesperada; el archivo puede estar dañado"


class ExtractionError(Exception):
    """A failure whose ``message`` is safe and useful to show to end users."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UnsupportedType(ExtractionError):
    """The bytes are not one of the allowed evidence formats."""

    def __init__(self, mime: str):
        super().__init__(Messages.UNSUPPORTED.format(mime=mime))
        self.mime = mime


@dataclass(frozen=True)
class Extraction:
    """Outcome of extracting one file.

    ``pages`` counts PDF pages, slides, sheets or image frames (None when the format
    has no fixed pages); ``captured_on`` is the EXIF capture date as ``YYYY-MM-DD``;
    ``thumbnail`` is JPEG bytes for images and PDFs; ``truncated`` tells that the
    text was cut at MAX_TEXT_CHARS. ``ocr_confidence`` is the mean word confidence (0-100) over the
    OCRed pages, ``ocr_pages`` one dict per OCRed page (page, confidence, words, seconds, rotation, skew,
    psm), and ``searchable_pdf`` the path the searchable copy was written to (None when there is none).
    """

    status: Status
    text: str = ""
    error: str | None = None
    mime_type: str | None = None
    pages: int | None = None
    captured_on: str | None = None
    thumbnail: bytes | None = None
    truncated: bool = False
    ocr_confidence: float | None = None
    ocr_pages: list[dict] | None = field(default=None, compare=False)  # timings differ run to run
    searchable_pdf: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != Status.FAILED

    @classmethod
    def failed(cls, message: str, mime_type: str | None = None) -> Extraction:
        return cls(status=Status.FAILED, error=message, mime_type=mime_type)

    def to_json(self) -> dict:
        """Plain JSON-able dict, used to carry results out of the child process."""
        data = asdict(self)
        data["status"] = str(self.status)
        if self.thumbnail is not None:
            data["thumbnail"] = base64.b64encode(self.thumbnail).decode("ascii")
        return data

    @classmethod
    def from_json(cls, data: dict) -> Extraction:
        fields: dict[str, Any] = {k: data.get(k) for k in cls.__dataclass_fields__}
        fields["status"] = Status(fields["status"])
        fields["text"] = fields["text"] or ""
        fields["truncated"] = bool(fields["truncated"])
        fields["ocr_pages"] = fields["ocr_pages"] or None
        if fields["thumbnail"] is not None:
            fields["thumbnail"] = base64.b64decode(fields["thumbnail"])
        return cls(**fields)


class TextBuffer:
    """Collects text chunks up to ``limit`` characters so huge documents stay bounded."""

    def __init__(self, limit: int = MAX_TEXT_CHARS):
        self.limit = limit
        self.size = 0
        self.truncated = False
        self._chunks: list[str] = []

    @property
    def full(self) -> bool:
        return self.size >= self.limit

    def add(self, chunk: str | None) -> bool:
        """Append ``chunk``; return False once the limit is reached so parsers can stop."""
        if chunk and not self.full:
            room = self.limit - self.size
            if len(chunk) > room:
                chunk = chunk[:room]
                self.truncated = True
            self._chunks.append(chunk)
            self.size += len(chunk) + 1
        elif chunk:
            self.truncated = True
        return not self.full

    def text(self) -> str:
        text = normalize_text("\n".join(self._chunks))
        if len(text) > self.limit:
            self.truncated = True
            text = text[: self.limit]
        return text


_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f\ud800-\udfff]")
_SPACES = re.compile(r"[^\S\n]+")
_EDGE_SPACES = re.compile(r" ?\n ?")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalize_text(text: str) -> str:
    """Drop NULs/control chars and lone surrogates, apply NFC and collapse whitespace."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n").replace("\x0b", "\n")
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    text = _EDGE_SPACES.sub("\n", _SPACES.sub(" ", text))
    return _BLANK_LINES.sub("\n\n", text).strip()
