"""The base of the errors domain code raises for people to read."""
from __future__ import annotations

from flask_babel.speaklater import LazyString


class DomainError(ValueError):
    """A refusal the user can act on; ``field`` names the form field it is about, if any.

    The message is usually a lazy translation (``flask_babel.lazy_gettext``): ``message`` and ``str()`` render it
    in the current request's language (Spanish outside a request), always as a plain ``str``, so templates escape
    it like any other text.
    """

    def __init__(self, message: str | LazyString, field: str | None = None):
        super().__init__(message)
        self.field = field

    @property
    def message(self) -> str:
        return str(self.args[0])

    def __str__(self) -> str:
        return self.message
