"""Privacy by default: spot personal data in extracted text so staff are warned before publishing it.

Plain functions on text; what they find is a hint for a person, not a verdict (a false alarm costs a look, a
miss can expose a citizen), so the patterns lean towards warning.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w/])(?:\+?52[\s.-]*)?(?:\(\d{2,3}\)|\d{2,3})[\s.-]*\d{3,4}[\s.-]*\d{4}(?![\w/])")
_DAY = r"\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
CURP = re.compile(rf"\b[A-Z][AEIOUX][A-Z]{{2}}{_DAY}[HMX][A-Z]{{2}}[B-DF-HJ-NP-TV-Z]{{3}}[A-Z\d]\d\b")
RFC = re.compile(rf"\b[A-ZÑ&]{{4}}{_DAY}[A-Z\d]{{3}}\b")  # a person's RFC (a company's has three letters)
INE = re.compile(r"\b[A-Z]{6}\d{8}[HM]\d{3}\b")  # clave de elector
_WORD = r"(?:[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+|[A-ZÁÉÍÓÚÑ]{2,})"
NAME_LINE = re.compile(rf"^\s*(?:\d{{1,3}}[.)\s]+)?{_WORD}(?:\s+(?:{_WORD}|de|del|la|los)){{1,5}}\b")
ATTENDANCE_HEADER = re.compile(r"\bnombre", re.IGNORECASE)
SIGNATURE = re.compile(r"\bfirmas?\b|lista de asistencia", re.IGNORECASE)

LABELS = {
    "email": _l("correos electrónicos"),
    "phone": _l("teléfonos"),
    "curp": _l("CURP"),
    "rfc": _l("RFC de personas"),
    "ine": _l("claves de elector (INE)"),
    "attendance": _l("lista de asistencia con nombres y firmas"),
}


def _phones(text: str) -> bool:
    for match in PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if len(digits) == 12 and digits.startswith("52"):
            digits = digits[2:]
        if len(digits) == 10:
            return True
    return False


def _attendance(text: str) -> bool:
    if not (ATTENDANCE_HEADER.search(text) and SIGNATURE.search(text)):
        return False
    return sum(1 for line in text.splitlines() if NAME_LINE.match(line)) >= 5


def scan(text: str | None) -> list[str]:
    """The kinds of personal data ``text`` seems to hold, in a fixed order (keys of :data:`LABELS`)."""
    if not text:
        return []
    upper = text.upper()
    found = {
        "email": bool(EMAIL.search(text)),
        "phone": _phones(text),
        "curp": bool(CURP.search(upper)),
        "rfc": bool(RFC.search(upper)),
        "ine": bool(INE.search(upper)),
        "attendance": _attendance(text),
    }
    return [kind for kind in LABELS if found[kind]]


def describe(kinds: list[str]) -> str:
    return ", ".join(str(LABELS[k]) for k in kinds)
