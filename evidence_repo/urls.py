"""What the app accepts in URLs and how it builds links from them.

Whatever a visitor puts in a path or query string must end in a page or a 404/400, never in a 500: ids are
bounded to what the database columns hold, and links that carry the query string over (the language link,
the old addresses' redirects) append it as text instead of handing every argument to ``url_for``.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import abort, current_app, request, url_for
from flask.globals import request_ctx
from flask_babel import gettext as _
from werkzeug.exceptions import SecurityError
from werkzeug.routing import BuildError, IntegerConverter, Map

from evidence_repo.db import MAX_INTEGER

# Ids and numbers are INTEGER columns: 32-bit on PostgreSQL; a larger one cannot name anything.
MAX_ID = MAX_INTEGER


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that does not match numbers beyond :data:`MAX_ID` (so they are a plain 404)."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


# url_for's own keywords. In a query string they are nobody's argument, only an attempt to steer link building
# (or a method override some frameworks honour): refused with a 400 instead of silently ignored.
RESERVED_ARGUMENTS = frozenset({"_method", "_external", "_anchor", "_scheme"})


def refuse_reserved_arguments() -> None:
    """``before_request``: a query string naming one of :data:`RESERVED_ARGUMENTS` is a 400 (the app's own page)."""
    if RESERVED_ARGUMENTS.intersection(request.args):
        abort(400, description=_("La dirección lleva un parámetro que este sitio no admite."))


def bounded_int(value: str) -> int:
    """``request.args.get(name, default, type=bounded_int)``: a number the database can hold, or the default."""
    number = int(value)
    if not 0 <= number <= MAX_ID:
        raise ValueError(f"{value!r} is out of range")
    return number


def with_query(url: str, exclude: set[str] | frozenset[str] = frozenset(), **changes: Any) -> str:
    """``url`` followed by this request's query string (keys in ``exclude`` dropped, ``changes`` replacing)."""
    pairs = [(k, v) for k, values in request.args.lists() if k not in exclude and k not in changes for v in values]
    pairs += [(k, v) for k, v in changes.items() if v is not None]
    return f"{url}?{urlencode(pairs)}" if pairs else url


def carried_url(endpoint: str, **values: Any) -> str:
    """A redirect target that keeps the visitor's query string (?lang=en, ?pagina=2) without its private
    ``_`` arguments or any that would collide with the target's own path values."""
    url = url_for(endpoint, **values)
    dropped = {k for k in request.args if k.startswith("_")} | set(values)
    return with_query(url, dropped)


def language_url(lang: str) -> str | None:
    """This page in another language; None where it has no address of its own (an error before routing)."""
    if not request.endpoint:
        return None
    try:
        return with_query(url_for(request.endpoint, **(request.view_args or {})), lang=lang)
    except (BuildError, ValueError, TypeError):
        return None


def site_root() -> str:
    """The site's public address, ending in "/": EVIDENCE_REPO_BASE_URL when configured; otherwise this
    request's own (its Host header checked against TRUSTED_HOSTS when those are configured)."""
    return current_app.config.get("BASE_URL") or request.url_root


def external_url(endpoint: str, **values: Any) -> str:
    """``url_for(..., _external=True)`` without trusting the Host header when a base URL is configured."""
    path = url_for(endpoint, **values)[len(request.script_root):]
    return site_root() + path.lstrip("/")


def page_url() -> str | None:
    """This page's public address for sharing (Open Graph), never built from an untrusted Host header; None for
    an error before routing or a host outside TRUSTED_HOSTS."""
    if not request.endpoint:
        return None
    try:
        return external_url(request.endpoint, **(request.view_args or {}))
    except SecurityError:
        return None


def bind_links_without_host() -> None:
    """Let the error page build its links when the request named a host outside TRUSTED_HOSTS (Flask then
    refuses it before binding any URL adapter): bind one to the configured address instead."""
    if request_ctx.url_adapter is not None:
        return
    config = current_app.config
    host = urlsplit(config.get("BASE_URL") or "").netloc or next(iter(config.get("TRUSTED_HOSTS") or []), "")
    request_ctx.url_adapter = current_app.url_map.bind(host.lstrip(".") or "localhost",
                                                       script_name=request.script_root or "/")
