"""What every request may carry in its text: no NUL characters.

PostgreSQL's text columns and parameters cannot hold U+0000 (psycopg refuses them), and no person types one: a
query string, form field or JSON string that contains one is a 400 with the app's own message before
any view runs, on both databases alike.
"""
from __future__ import annotations

import re
from typing import Any

from flask import abort, request
from flask_babel import gettext as _


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


# The search box's text goes through the analyzer, which drops control characters: a pasted NUL is ignored there.
FREE_TEXT = frozenset({"q"})


def refuse_nul_characters() -> None:
    """``before_request``: 400 when the query string (but the search text), the form or a JSON body holds U+0000."""
    found = _has_nul([item for item in request.args.lists() if item[0] not in FREE_TEXT])
    if not found and request.method in ("POST", "PUT", "PATCH") and request.content_length:
        if request.mimetype == "application/json":
            found = _has_nul(request.get_json(silent=True))
        elif request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            # (file names are not checked: the upload neutralises hostile names, NUL included, and keeps the file)
            found = _has_nul(list(request.form.lists()))
    if found:
        abort(400, description=_("Los datos enviados contienen un carácter nulo, que no se admite."))


_DIGITS = re.compile(r"[0-9]{1,18}")


def whole_number(raw: str | None, minimum: int = 1, maximum: int | None = None) -> int | None:
    """``raw`` as a whole number from ``minimum`` to ``maximum``, or None for anything else. ASCII digits only and
    at most 18 of them: ``"²".isdigit()`` is true but ``int("²")`` fails, and ``int`` refuses more than 4,300
    digits; both were answered with a 500 where a number was checked with ``isdigit``."""
    if raw is None or not _DIGITS.fullmatch(raw):
        return None
    number = int(raw)
    if number < minimum or (maximum is not None and number > maximum):
        return None
    return number
