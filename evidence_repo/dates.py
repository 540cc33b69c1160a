"""Dates as people type them (forms, query strings, CSV and plan files) and as people read them."""
from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y")
DEFAULT_LOCALE = "es_MX"  # the plan's language: used outside a web request (CLI, jobs, tests)


def parse_typed_date(value: str | dt.date | None) -> dt.date | None:
    """AAAA-MM-DD, DD/MM/AAAA or DD/MM/AA; empty means no date. Raises ValueError with a translatable message."""
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
    raise ValueError(_l("Fecha inválida: «%(text)s». Use AAAA-MM-DD o DD/MM/AAAA.", text=text[:40]))


def parse_as_of(raw: str | None, today: dt.date) -> dt.date:
    """?as_of= / --as-of in any format people type; empty means today. Raises ValueError like parse_typed_date."""
    return parse_typed_date(raw) or today


def current_locale() -> str:
    """The request's language on the web; Spanish anywhere else (or what `flask_babel.force_locale` says)."""
    try:
        locale = get_locale()
    except RuntimeError:  # an app context without a request, whose locale selector reads the request
        locale = None
    return str(locale) if locale else DEFAULT_LOCALE


def long_date(value: dt.date | None, missing: str | None = None) -> str:
    """"17 de octubre de 2019" ("October 17, 2019" in English); ``missing`` (or "Por definir") without a date."""
    if value is None:
        return str(_l("Por definir")) if missing is None else missing
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value, format="long", locale=current_locale())
