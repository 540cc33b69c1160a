"""Plain text and CSV: decode UTF-8 (BOMs honoured), falling back to cp1252, then Latin-1."""

from __future__ import annotations

import codecs

from ..result import MAX_TEXT_CHARS
from . import DocumentParser, register

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@register
class TextParser(DocumentParser):
    mime_types = ("text/plain", "text/csv")

    def parse(self, path: str, mime_type: str) -> None:
        with open(path, "rb") as handle:
            data = handle.read(MAX_TEXT_CHARS * 4)
            more = bool(handle.read(1))
        self.text.add(decode_text(data))
        self.text.truncated |= more


def decode_text(data: bytes) -> str:
    """Decode bytes that may end mid-character (the read is capped)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return codecs.getincrementaldecoder(encoding)("replace").decode(data)
    try:
        return codecs.getincrementaldecoder("utf-8")("strict").decode(data)
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")
