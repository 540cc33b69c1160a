"""Jinja filters and globals shared by every page."""
from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import Flask
from flask_babel import format_decimal, get_locale, gettext
from markupsafe import Markup, escape

from evidence_repo import dates
from evidence_repo.compliance import load
from evidence_repo.compliance.status import (
    CELL_LABELS,
    CELL_SYMBOLS,
    REVIEW_LABELS,
    STATUS_LABELS,
    STATUSES,
    session_label,
)
from evidence_repo.compliance.views import Compliance, missing_labels
from evidence_repo.evidence.indexing import file_type_label
from evidence_repo.rich_text import BulletList
from evidence_repo.rich_text import parse as parse_rich_text
from evidence_repo.urls import external_url, language_url, page_url
from indexer.extract import ALLOWED_MIME_TYPES


def rich_text(value: str | None) -> Markup:
    """Plan texts use "- " lines for bullet lists and blank lines for paragraphs; render them as HTML."""
    html: list[str] = []
    for block in parse_rich_text(value):
        if isinstance(block, BulletList):
            html.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in block.items) + "</ul>")
        else:
            html.append(f"<p>{escape(block.text)}</p>")
    return Markup("".join(html))


def file_size(size: int | None) -> str:
    """Bytes as people read them: "830 bytes", "23 KB", "1.4 MB" (decimal mark of the page's language)."""
    size = size or 0
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{format_decimal(round(size / 1024 / 1024, 1), format='#,##0.#')} MB"


def memo(result: Compliance | None, *key: Hashable, caller: Callable[[], str]) -> Markup:
    """``{% call memo(compliance, "name", ...) %}…{% endcall %}``: the block rendered once per compliance result and
    language, then reused by every request while the data stays the same (`Compliance.rendered`; a result is
    replaced as soon as evidence, reviews or the plan change). Measured: the milestone cards are most of the time
    of the home, commitment and milestone pages (20 of 28 ms of CPU on a commitment page), all of it Jinja.

    Only for blocks that are the same for every reader: nothing about the user, the audience or restricted
    evidence, no CSRF token, no flashed message. ``key`` names the block and whatever else it depends on."""
    if not isinstance(result, Compliance):  # None, or a page that passes none
        return Markup(caller())
    return result.rendered(("fragment", *key, dates.current_locale()), lambda: Markup(caller()))


_TYPE_LABELS = frozenset(ALLOWED_MIME_TYPES.values())


def file_type_name(mime: str) -> str:
    """A stored file's type as the reader calls it."""
    return indexed_type_name(file_type_label(mime))


def indexed_type_name(label: str) -> str:
    """A type label as the index has it (a hit's, a facet's, a filter's), in the reader's language; anything else
    (a filter typed into the URL) as it is, so a label never claims a filter the results do not have."""
    return gettext(label) if label in _TYPE_LABELS else label


def init_templating(app: Flask) -> None:
    app.jinja_env.globals["memo"] = memo
    app.jinja_env.globals["status_labels"] = STATUS_LABELS
    app.jinja_env.globals["cell_labels"] = CELL_LABELS
    app.jinja_env.globals["cell_symbols"] = CELL_SYMBOLS
    app.jinja_env.globals["review_labels"] = REVIEW_LABELS
    app.jinja_env.globals["statuses"] = STATUSES
    app.jinja_env.globals["session_label"] = session_label
    app.jinja_env.globals["missing_labels"] = missing_labels
    app.jinja_env.globals["requirement_scope"] = lambda r: load.requirement_scope(r)  # looked up per call
    app.jinja_env.filters["long_date"] = dates.long_date
    app.jinja_env.filters["rich_text"] = rich_text
    app.jinja_env.filters["file_size"] = file_size
    app.jinja_env.globals["file_type_name"] = file_type_name
    app.jinja_env.globals["indexed_type_name"] = indexed_type_name
    app.jinja_env.globals["external_url"] = external_url  # absolute links from BASE_URL, not the Host header
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _globals():
        locale = str(get_locale() or "es_MX")
        other = "en" if not locale.startswith("en") else "es_MX"
        return {
            "html_lang": "en" if locale.startswith("en") else "es-MX",
            "other_language": {"code": other, "label": app.config["LANGUAGES"][other], "url": language_url(other)},
        }
