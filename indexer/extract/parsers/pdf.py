"""PDF: pypdf text layer with its default safety limits; pages without text are OCRed."""

from __future__ import annotations

import logging
import math

from ..detect import PDF
from ..imaging import THUMBNAIL_SIZE, thumbnail_jpeg
from ..result import ExtractionError, Messages
from . import DocumentParser, register

OCR_DPI = 300
MAX_RENDER_PIXELS = 25_000_000
MIN_TEXT_LAYER_CHARS = 10


@register
class PdfParser(DocumentParser):
    mime_types = (PDF,)
    _source: tuple[str, str | None] | None = None

    def parse(self, path: str, mime_type: str) -> None:
        from pypdf import PdfReader
        from pypdf.errors import FileNotDecryptedError, LimitReachedError, PdfReadError

        logging.getLogger("pypdf").setLevel(logging.ERROR)
        try:
            reader = PdfReader(path)
            password = self._unlock(reader)
            self.pages = len(reader.pages)
            needs_ocr = self._read_text_layer(reader)
        except FileNotDecryptedError as exc:
            raise ExtractionError(Messages.ENCRYPTED) from exc
        except LimitReachedError as exc:
            raise ExtractionError(Messages.LIMITS) from exc
        except (PdfReadError, RecursionError) as exc:
            raise ExtractionError(Messages.DAMAGED) from exc
        self._source = (path, password)
        self._render(path, password, needs_ocr if self.ocr else [])

    def write_searchable(self, out_path: str, source_pdf: tuple[str, str | None] | None = None) -> bool:
        return super().write_searchable(out_path, source_pdf or self._source)

    @staticmethod
    def _unlock(reader) -> str | None:
        """Open owner-password-only PDFs with the empty user password; fail the rest."""
        if not reader.is_encrypted:
            return None
        from pypdf import PasswordType

        if reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise ExtractionError(Messages.ENCRYPTED)
        return ""

    def _read_text_layer(self, reader) -> list[int]:
        """Collect each page's text; return the pages that need OCR.

        A damaged page is skipped so the rest of a truncated PDF is still indexed,
        unless no page at all could be read.
        """
        from pypdf.errors import LimitReachedError

        needs_ocr, errors = [], 0
        for number, page in enumerate(reader.pages):
            self.deadline.check()
            try:
                text = page.extract_text() or ""
            except (LimitReachedError, MemoryError):
                raise
            except Exception:
                errors += 1
                text = ""
            if len(text.strip()) < MIN_TEXT_LAYER_CHARS:
                needs_ocr.append(number)
            self.text.add(text)
            if self.text.full:
                break
        if errors and errors == len(reader.pages):
            raise ExtractionError(Messages.DAMAGED)
        return needs_ocr

    def _render(self, path: str, password: str | None, pages: list[int]) -> None:
        """Thumbnail the first page and OCR the pages that have no text layer."""
        import pypdfium2 as pdfium

        try:
            document = pdfium.PdfDocument(path, password=password)
        except pdfium.PdfiumError:
            if pages:
                raise ExtractionError(Messages.DAMAGED) from None
            return
        try:
            self.thumbnail = _thumbnail(document)
            for number in pages:
                if self.text.full or number >= len(document):
                    break
                self.deadline.check()
                self.ocr_page(_render_page(document[number], OCR_DPI / 72), number, OCR_DPI)
        finally:
            document.close()


def _thumbnail(document) -> bytes | None:
    """JPEG preview of the first page; a page pdfium cannot draw just has none."""
    try:
        page = document[0]
        return thumbnail_jpeg(_render_page(page, 2 * THUMBNAIL_SIZE[0] / max(page.get_size()), grayscale=False))
    except Exception:
        return None


def _render_page(page, scale: float, grayscale: bool = True):
    """Render a page, scaled down if it would exceed MAX_RENDER_PIXELS."""
    width, height = page.get_size()
    area = max(width * height * scale * scale, 1)
    if area > MAX_RENDER_PIXELS:
        scale *= math.sqrt(MAX_RENDER_PIXELS / area)
    try:
        return page.render(scale=scale, grayscale=grayscale).to_pil()
    finally:
        page.close()
