"""Parser registry: one small parser class per MIME type, chosen by the detected type."""

from __future__ import annotations

import importlib

from ..ocr import PageReading, read_page
from ..result import TextBuffer
from ..safety import Deadline

_REGISTRY: dict[str, type[DocumentParser]] = {}
_MODULES = ("pdf", "office", "image", "text")


class DocumentParser:
    """Base class. ``parse`` fills ``text`` and the optional metadata attributes.

    Parsers raise ExtractionError with a user-facing message for known failures;
    anything else is reported as a damaged file by the caller.
    """

    mime_types: tuple[str, ...] = ()

    def __init__(self, *, ocr: bool = True, deadline: Deadline | None = None, searchable: bool = False):
        self.ocr = ocr
        self.searchable = searchable
        self.readings: list[tuple[int, PageReading]] = []
        self.deadline = deadline or Deadline(None)
        self.text = TextBuffer()
        self.used_ocr = False
        self.pages: int | None = None
        self.captured_on: str | None = None
        self.thumbnail: bytes | None = None

    def parse(self, path: str, mime_type: str) -> None:
        raise NotImplementedError

    def ocr_page(self, image, number: int, dpi: int | None = None) -> None:
        """OCR page ``number`` (0-based) and keep its text, confidence, time and searchable rendering."""
        reading = read_page(image, self.deadline, pdf=self.searchable, dpi=dpi)
        self.used_ocr |= bool(reading.text.strip())
        self.readings.append((number, reading))
        self.text.add(reading.text)

    def write_searchable(self, out_path: str, source_pdf: tuple[str, str | None] | None = None) -> bool:
        """Write the searchable copy; False when there is none. Subclasses with a PDF source add its pages."""
        from ..searchable import write_searchable_pdf

        if not self.used_ocr:
            return False
        return write_searchable_pdf(out_path, self.readings, source_pdf)


def register(cls: type[DocumentParser]) -> type[DocumentParser]:
    for mime in cls.mime_types:
        _REGISTRY[mime] = cls
    return cls


def parser_for(mime_type: str) -> type[DocumentParser] | None:
    """Return the parser class for ``mime_type``; parser modules load on first use."""
    for name in _MODULES:
        importlib.import_module(f"{__name__}.{name}")
    return _REGISTRY.get(mime_type)


def load_parser(spec: str) -> type[DocumentParser]:
    """Import a parser class from ``'package.module:ClassName'`` (tests and benchmarks)."""
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)
