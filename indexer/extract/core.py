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
    path, *, ocr: bool = True, timeout: float | None = None, parser: str | None = None
) -> Extraction:
    """Extract ``path`` in this process, without memory limits or a hard kill.

    Meant for benchmarks of the bare extraction cost and for the child process;
    untrusted uploads go through ``ExtractorPool.extract()``. ``timeout`` only bounds OCR and the
    checks between pages. ``parser`` ('module:Class') overrides the registry.
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
        instance = parser_class(ocr=ocr, deadline=Deadline(timeout))
        instance.parse(path, mime)
        text = instance.text.text()
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
    )
