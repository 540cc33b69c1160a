"""A local SMTP server (aiosmtpd) that keeps what it receives: the tests read the mail the worker really sent."""
from __future__ import annotations

import socket
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from evidence_repo.mail.settings import MailSettings


class _Keep:
    def __init__(self, box: list[EmailMessage]):
        self.box = box

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook name)
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.box.append(message)  # type: ignore[arg-type]
        return "250 OK"


class SmtpSink:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._controller = Controller(_Keep(self.messages), hostname="127.0.0.1", port=self.port)

    @property
    def settings(self) -> MailSettings:
        return MailSettings(host="127.0.0.1", port=self.port, security="none", sender="avisos@evidencias.test")

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """Wait until at least ``count`` messages arrived (the worker sends from its own thread)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages
