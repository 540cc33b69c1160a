"""`serve`'s HTTP server: waitress, made to answer a large request from its headers before receiving its body.

waitress reads a whole request body (into a temporary file) before it calls the app, so an anonymous 100 MB
"upload" would be received in full just to be told 401. Here, once the headers of a request announcing more than
the form limit have arrived, the app decides from them alone (:func:`evidence_repo.auth.body_limits.refusal`,
the same rule it applies to every request); a refusal is sent at once, rendered by the app (its own page and
headers), and the connection is closed without reading the body.
"""
from __future__ import annotations

from typing import Any

from flask import Flask
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import create_server
from waitress.utilities import Error
from werkzeug.exceptions import HTTPException

from evidence_repo.auth.body_limits import refusal


class Refusal(Error):
    """A finished answer from the app, sent by waitress in place of reading the body."""

    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes):
        super().__init__("")
        self.status, self.headers, self.data = status, headers, body
        self.code = int(status.split()[0])

    def to_response(self, ident: Any = None) -> tuple[str, list[tuple[str, str]], bytes]:
        return self.status, self.headers, self.data


def answer_from_headers(app: Flask, method: str, path: str, query: str, headers: dict[str, str]) -> Refusal | None:
    """What the app answers this request without its body, or None to receive the body."""
    http_headers = [(name.replace("_", "-").title(), value) for name, value in headers.items()
                    if name not in ("CONTENT_LENGTH", "CONTENT_TYPE")]
    with app.test_request_context(path, method=method, query_string=query, headers=http_headers,
                                  content_type=headers.get("CONTENT_TYPE"),
                                  environ_overrides={"CONTENT_LENGTH": headers.get("CONTENT_LENGTH", "0")}):
        try:
            refused = refusal()
        except HTTPException as exc:
            refused = app.handle_http_exception(exc)
        if refused is None:
            return None
        response = app.process_response(app.make_response(refused))
        return Refusal(response.status, [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"],
                       response.get_data())


def serve(app: Flask, **settings: Any) -> None:
    """Like ``waitress.serve(app, **settings)``, with the header-time refusal above."""
    small = app.config["MAX_CONTENT_LENGTH"]

    class Parser(HTTPRequestParser):
        def parse_header(self, header_plus: bytes) -> None:
            super().parse_header(header_plus)
            if self.content_length > small:
                try:
                    refused = answer_from_headers(app, self.command, self.path, self.query, self.headers)
                except Exception:  # noqa: BLE001  (the app will answer once it has the body, as before)
                    app.logger.exception("could not decide on %s %s from its headers", self.command, self.path)
                    refused = None
                if refused is not None:
                    self.error = refused
                    self.body_rcv = None  # complete now: the body is never read

    class Channel(HTTPChannel):
        parser_class = Parser

    dispatchers: dict[int, Any] = {}
    server = create_server(app, map=dispatchers, **settings)
    for dispatcher in list(dispatchers.values()):
        if hasattr(dispatcher, "channel_class"):
            dispatcher.channel_class = Channel
    server.print_listen("Serving on http://{}:{}")
    server.run()
