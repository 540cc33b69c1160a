"""In-process extraction: detect the type, pick the parser, map failures to user messages."""

from __future__ import annotations

import logging
import os

from .detect import ALLOWED_MIME_TYPES, detect_mime
from .parsers import load_parser, parser_for
from .result import Extraction, ExtractionError, Messages, Status, UnsupportedType
from .safety import Deadline

log = logging.getLogger(__name__)


def extract_in_process(
    path, *, ocr: bool = True, timeout: float | None = None, parser: str | None = None,
    searchable_pdf: str | None = None,
) -> Extraction:
    """Extract ``path`` in this process, without memory limits or a hard kill.

    Meant for benchmarks of the bare extraction cost and for the child process;
    untrusted uploads go through ``ExtractorPool.extract()``. ``timeout`` only bounds OCR and the
    checks between pages. ``parser`` ('module:Class') overrides the registry. ``searchable_pdf`` is where
    to write the searchable copy of a scan (image or PDF that needed OCR), if there is one.
    """
    path = os.fspath(path)
    mime = None
    try:
        if os.path.getsize(path) == 0:
            raise ExtractionError(Messages.EMPTY_FILE)
        mime = detect_mime(path)
        parser_class = load_parser(parser) if parser else parser_for(mime)
        if parser_class is None or (not parser and mime not in ALLOWED_MIME_TYPES):
            raise UnsupportedType(mime)
        instance = parser_class(ocr=ocr, deadline=Deadline(timeout), searchable=bool(searchable_pdf))
        instance.parse(path, mime)
        text = instance.text.text()
        written = bool(searchable_pdf and text and instance.write_searchable(searchable_pdf))
    except ExtractionError as exc:
        return Extraction.failed(exc.message, mime)
    except FileNotFoundError:
        return Extraction.failed(Messages.NOT_FOUND, mime)
    except MemoryError:
        return Extraction.failed(Messages.MEMORY, mime)
    except Exception:
        log.warning("Extraction of %s (%s) failed", path, mime, exc_info=True)
        return Extraction.failed(Messages.DAMAGED, mime)
    if not text:
        status = Status.EMPTY
    else:
        status = Status.OCR if instance.used_ocr else Status.EXTRACTED
    return Extraction(
        status=status,
        text=text,
        mime_type=mime,
        pages=instance.pages,
        captured_on=instance.captured_on,
        thumbnail=instance.thumbnail,
        truncated=instance.text.truncated,
        ocr_confidence=mean_confidence(instance.readings),
        ocr_pages=[page_report(number, reading) for number, reading in instance.readings] or None,
        searchable_pdf=searchable_pdf if written else None,
    )


def mean_confidence(readings) -> float | None:
    """Mean word confidence over every OCRed page (a page counts by its words); None without OCR."""
    words = sum(reading.words for _, reading in readings)
    if not readings:
        return None
    if not words:
        return 0.0
    return round(sum((reading.confidence or 0.0) * reading.words for _, reading in readings) / words, 1)


def page_report(number: int, reading) -> dict:
    """What the UI and benchmarks show about one OCRed page."""
    return {"page": number + 1, "confidence": None if reading.confidence is None else round(reading.confidence, 1),
            "words": reading.words, "seconds": round(reading.seconds, 2), "rotation": reading.rotation,
            "skew": reading.skew, "psm": reading.psm}
