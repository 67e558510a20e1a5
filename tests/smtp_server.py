"""A real SMTP server on a loopback port (aiosmtpd) that records what it accepted.

Not a mock: Django's SMTP backend talks to it over TCP. ``down()`` stops it so
the port refuses connections, ``up()`` starts it again on the same port.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections import Counter

from aiosmtpd.controller import Controller

PORTS = range(18100, 18200)  # this suite's loopback range for the mail tests


def free_port() -> int:
    for port in PORTS:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18100-18199")


class Recorder:
    """aiosmtpd handler: keeps (recipient, subject) of every accepted message."""

    def __init__(self, *, delay: float = 0.0, refuse: set[str] | None = None):
        self.delay = delay
        self.refuse = refuse or set()
        self.received: list[tuple[str, str]] = []
        self.bodies: list[str] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)  # a slow server widens the window in which two workers overlap
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received.append((rcpt, str(message["subject"])))
            self.bodies.append(message.get_body(preferencelist=("plain",)).get_content())
        return "250 Message accepted for delivery"

    def counts(self) -> Counter:
        with self.lock:
            return Counter(self.received)


class SMTPServer:
    def __init__(self, port: int, handler: Recorder):
        self.port = port
        self.handler = handler
        self.controller: Controller | None = None

    def up(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def down(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def use_smtp(settings, port: int) -> None:
    """Django's real SMTP backend, pointed at the loopback port."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
