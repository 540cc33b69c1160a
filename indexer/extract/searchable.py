"""The searchable copy of a scan: each OCRed page as its image with an invisible text layer (Tesseract's
PDF renderer), and, for a PDF, its pages that already had text kept as they were. The original file is never
touched; this is an extra file that can be searched, selected and copied from."""

from __future__ import annotations

import io
import logging

from .ocr import PageReading

log = logging.getLogger(__name__)


def write_searchable_pdf(out_path: str, readings: list[tuple[int, PageReading]],
                         source: tuple[str, str | None] | None = None) -> bool:
    """Write the copy to ``out_path``; False (and nothing written) when no page has a rendering.

    ``readings`` are (0-based page number, reading); ``source`` is the original PDF and its password, whose
    pages without a reading are copied as they are.
    """
    from pypdf import PdfReader, PdfWriter

    rendered = {number: reading.pdf for number, reading in readings if reading.pdf}
    if not rendered:
        return False
    writer = PdfWriter()
    try:
        if source is None:
            for number in sorted(rendered):
                writer.add_page(PdfReader(io.BytesIO(rendered[number])).pages[0])
        else:
            original = PdfReader(source[0])
            if original.is_encrypted:
                original.decrypt(source[1] or "")
            for number, page in enumerate(original.pages):
                if number in rendered:
                    writer.add_page(PdfReader(io.BytesIO(rendered[number])).pages[0])
                else:
                    writer.add_page(page)
        writer.add_metadata({"/Producer": "evidence_repo (Tesseract OCR)"})
        with open(out_path, "wb") as out:
            writer.write(out)
    except Exception:  # noqa: BLE001  (the copy is a convenience: its failure never fails the extraction)
        log.warning("Could not write the searchable copy", exc_info=True)
        return False
    return True
