"""Zip-based office formats. Every parser checks the zip's declared sizes before opening it."""

from __future__ import annotations

import zipfile

from ..detect import DOCX, ODT, PPTX, XLSX
from ..result import ExtractionError, Messages
from ..safety import check_zip
from . import DocumentParser, register


@register
class DocxParser(DocumentParser):
    """Body paragraphs and tables in reading order, then headers and footers."""

    mime_types = (DOCX,)

    def parse(self, path: str, mime_type: str) -> None:
        import docx

        check_zip(path)
        document = docx.Document(path)
        self._blocks(document)
        seen: set[str] = set()
        for section in document.sections:
            for part in (
                section.header, section.first_page_header, section.even_page_header,
                section.footer, section.first_page_footer, section.even_page_footer,
            ):
                if part.is_linked_to_previous:
                    continue
                text = "\n".join(p.text for p in part.paragraphs)
                if text.strip() and text not in seen:
                    seen.add(text)
                    self.text.add(text)

    def _blocks(self, container) -> None:
        from docx.table import Table

        for block in container.iter_inner_content():
            if self.text.full:
                return
            self.deadline.check()
            if isinstance(block, Table):
                self._table(block)
            else:
                self.text.add(block.text)

    def _table(self, table) -> None:
        for row in table.rows:
            cells, seen = [], set()
            for cell in row.cells:
                if cell._tc in seen:  # a merged cell repeats across the row
                    continue
                seen.add(cell._tc)
                if cell.tables:
                    self._blocks(cell)
                else:
                    cells.append(cell.text)
            self.text.add("\t".join(cells))


@register
class PptxParser(DocumentParser):
    """Text of every shape (groups and tables included) and the speaker notes."""

    mime_types = (PPTX,)

    def parse(self, path: str, mime_type: str) -> None:
        from pptx import Presentation

        check_zip(path)
        presentation = Presentation(path)
        self.pages = len(presentation.slides)
        for slide in presentation.slides:
            self.deadline.check()
            self._shapes(slide.shapes)
            if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
                self.text.add(slide.notes_slide.notes_text_frame.text)
            if self.text.full:
                return

    def _shapes(self, shapes) -> None:
        for shape in shapes:
            if getattr(shape, "shapes", None) is not None:
                self._shapes(shape.shapes)
            elif getattr(shape, "has_table", False) and shape.has_table:
                for row in shape.table.rows:
                    self.text.add("\t".join(cell.text for cell in row.cells))
            elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
                self.text.add(shape.text_frame.text)


@register
class XlsxParser(DocumentParser):
    """Cell values (cached results for formulas), one line per row, streamed in read-only mode."""

    mime_types = (XLSX,)

    def parse(self, path: str, mime_type: str) -> None:
        from openpyxl import load_workbook

        check_zip(path)
        with open(path, "rb") as fh:  # a file object: openpyxl refuses paths without an .xlsx suffix
            self._read(load_workbook(fh, read_only=True, data_only=True))

    def _read(self, workbook) -> None:
        try:
            self.pages = len(workbook.sheetnames)
            for sheet in workbook.worksheets:
                self.text.add(sheet.title)
                sheet.reset_dimensions()  # padding to a bogus declared range wastes time
                for row in sheet.iter_rows(values_only=True):
                    values = [str(v) for v in row if v is not None and str(v).strip()]
                    if values and not self.text.add("\t".join(values)):
                        return
                    self.deadline.check()
        finally:
            workbook.close()


_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_PARAGRAPHS = {f"{{{_TEXT_NS}}}p", f"{{{_TEXT_NS}}}h"}
_SPACE, _TAB, _BREAK = (f"{{{_TEXT_NS}}}{name}" for name in ("s", "tab", "line-break"))


@register
class OdtParser(DocumentParser):
    """Paragraphs and headings of content.xml, streamed with a hardened XML parser."""

    mime_types = (ODT,)

    def parse(self, path: str, mime_type: str) -> None:
        try:
            from defusedxml.ElementTree import iterparse
        except ImportError:  # stdlib expat (>= 2.4) already refuses entity expansion bombs
            from xml.etree.ElementTree import iterparse

        check_zip(path)
        with zipfile.ZipFile(path) as archive:
            try:
                stream = archive.open("content.xml")
            except KeyError as exc:
                raise ExtractionError(Messages.DAMAGED) from exc
            with stream:
                depth = 0
                for event, element in iterparse(stream, events=("start", "end")):
                    if element.tag not in _PARAGRAPHS:
                        continue
                    if event == "start":
                        depth += 1
                        continue
                    depth -= 1
                    if depth == 0:
                        if not self.text.add(_odf_text(element)):
                            return
                        element.clear()
                        self.deadline.check()


def _odf_text(element) -> str:
    """Text of an ODF paragraph; runs of text:s collapse to one space anyway."""
    parts = [element.text or ""]
    for child in element:
        if child.tag in (_SPACE, _TAB):
            parts.append(" ")
        elif child.tag == _BREAK:
            parts.append("\n")
        else:
            parts.append(_odf_text(child))
        parts.append(child.tail or "")
    return "".join(parts)
