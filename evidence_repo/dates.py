"""Dates as people type them in forms, query strings and CSV files."""
from __future__ import annotations

import datetime as dt

FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y")


def parse_typed_date(value: str | dt.date | None) -> dt.date | None:
    """AAAA-MM-DD, DD/MM/AAAA or DD/MM/AA; empty means no date. Raises ValueError with a Spanish message."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    for fmt in FORMATS:
        try:
            parsed = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if 1900 <= parsed.year <= 2999:
            return parsed
    raise ValueError(f"Fecha inválida: «{text[:40]}». Use AAAA-MM-DD o DD/MM/AAAA.")
