"""Overlong requests get a status and a small page (414, 431), never a silently dropped connection.

Two layers, the same limits and the same page:

1. ``RequestLimitsMiddleware`` (ASGI, outermost in ``hds_site/asgi.py``): a
   request target (path plus ``?query``) above ``MAX_TARGET_BYTES`` (8 KiB)
   answers 414; one header field (name and value, a Cookie header included)
   above ``MAX_HEADER_FIELD_BYTES`` (8 KiB), all header fields together above
   ``MAX_HEADER_BYTES`` (16 KiB) or more than ``MAX_HEADER_COUNT`` (100) of
   them answer 431. A WebSocket handshake above a limit is refused (Daphne
   answers 403). Works under any ASGI server.
2. Daphne's HTTP parser (Twisted's ``HTTPChannel``) reads at most
   ``TRANSPORT_LINE_BYTES`` (16 KiB) per line and as much for the request
   line and all header lines together; beyond that, Twisted drops the
   connection without a status (a line too long) or answers a bare
   ``400 Bad Request`` (too much in total, too many headers). A request that
   large never reaches the application, so ``LimitedHTTPChannel`` answers it
   itself: 414 while the request line is still being read, 431 in the header
   section, 400 (with the page) for a malformed request. It then closes its
   side of the connection and reads and discards what the client still sends
   (for at most ``LINGER_SECONDS`` / ``LINGER_MAX_BYTES``), so that the client
   reads the answer instead of a TCP reset. ``install_in_daphne()`` (called
   by ``hds_site/asgi.py``) makes a Daphne process use it: Daphne imports its
   server module before it loads the application and builds its HTTP factory
   only when it starts serving, so the Procfile's and ``make run``'s plain
   ``daphne`` command gets it.

docs/operations.md ("Request size limits") lists what a proxy in front must
let through and may refuse.
"""

from __future__ import annotations

import sys
from typing import Any

KIB = 1024
MAX_TARGET_BYTES = 8 * KIB  # path + "?" + query string, as sent (percent-encoded)
MAX_HEADER_FIELD_BYTES = 8 * KIB  # one header line: name + ": " + value
MAX_HEADER_BYTES = 16 * KIB  # all header lines together
MAX_HEADER_COUNT = 100
TRANSPORT_LINE_BYTES = 16 * KIB  # Twisted: one line (request line or header line)
TRANSPORT_TOTAL_BYTES = 16 * KIB  # Twisted: request line + all header lines
LINGER_SECONDS = 5
LINGER_MAX_BYTES = 1024 * KIB

REASONS = {400: "Bad Request", 414: "URI Too Long", 431: "Request Header Fields Too Large"}

_TEXTS = {
    400: (
        "Ungültige Anfrage",
        "Ihr Browser hat eine Anfrage gesendet, die der Server nicht lesen kann. Bitte laden Sie die Seite neu.",
        "Bad request",
        "Your browser sent a request the server cannot read. Please reload the page.",
    ),
    414: (
        "Die Adresse ist zu lang",
        "Die aufgerufene Adresse (mit ihren Parametern) ist länger als 8 KiB und wird nicht verarbeitet. "
        "Bitte folgen Sie einem Link von der Startseite aus.",
        "The address is too long",
        "The address you requested (with its parameters) is longer than 8 KiB and is not processed. "
        "Please follow a link from the home page.",
    ),
    431: (
        "Die Anfrage ist zu groß",
        "Ihr Browser sendet zu viele oder zu große Kopfzeilen, meist Cookies (höchstens 8 KiB je Kopfzeile, "
        "16 KiB insgesamt). Bitte löschen Sie die Cookies dieser Website und laden Sie die Seite neu.",
        "The request is too large",
        "Your browser sends too many or too large header fields, usually cookies (at most 8 KiB per field, "
        "16 KiB in total). Please delete this site's cookies and reload the page.",
    ),
}


def page(status: int) -> bytes:
    """The small bilingual page of a refusal (no database, no template: it is also sent by the transport)."""
    title_de, text_de, title_en, text_en = _TEXTS[status]
    return (
        '<!DOCTYPE html>\n<html lang="de">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{status} – {title_de} – Haus der Selbstständigen</title>\n"
        "<style>body{font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a;max-width:38rem;"
        "margin:0 auto;padding:1.5rem 1rem}h1,h2{line-height:1.2}h2{margin-top:2.5rem}a{color:#0b5394}"
        "p.status{color:#555;font-size:.9rem}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{title_de}</h1>\n<p>{text_de}</p>\n"
        '<p><a href="/">Zur Startseite</a></p>\n'
        f'<div lang="en">\n<h2>{title_en}</h2>\n<p>{text_en}</p>\n'
        '<p><a href="/en/">Go to the home page</a></p>\n</div>\n'
        f'<p class="status">HTTP {status}</p>\n</main>\n</body>\n</html>\n'
    ).encode()


def headers(status: int, body: bytes) -> list[tuple[bytes, bytes]]:
    return [
        (b"Content-Type", b"text/html; charset=utf-8"),
        (b"Content-Length", str(len(body)).encode()),
        (b"Cache-Control", b"no-store"),
        (b"Content-Security-Policy",
         b"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
        (b"X-Content-Type-Options", b"nosniff"),
        (b"Referrer-Policy", b"no-referrer"),
    ]


def raw_response(status: int) -> bytes:
    """The whole HTTP/1.1 response as the transport writes it."""
    body = page(status)
    head = b"HTTP/1.1 %d %s\r\n" % (status, REASONS[status].encode())
    head += b"".join(name + b": " + value + b"\r\n" for name, value in headers(status, body))
    head += b"Connection: close\r\n"
    return head + b"\r\n" + body


def refusal(scope: dict) -> int | None:
    """414 or 431 when the request in ``scope`` exceeds a limit, else None."""
    path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
    query = scope.get("query_string") or b""
    if len(path) + (1 + len(query) if query else 0) > MAX_TARGET_BYTES:
        return 414
    fields = scope.get("headers") or []
    if len(fields) > MAX_HEADER_COUNT:
        return 431
    total = 0
    for name, value in fields:
        size = len(name) + 2 + len(value)
        if size > MAX_HEADER_FIELD_BYTES:
            return 431
        total += size
    return 431 if total > MAX_HEADER_BYTES else None


class RequestLimitsMiddleware:
    """ASGI middleware: answers oversized HTTP requests with 414/431 and refuses oversized WebSocket handshakes."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        status = refusal(scope)
        if status is None:
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.close", "code": 1008})
            return
        body = page(status)
        await send({"type": "http.response.start", "status": status, "headers": headers(status, body)})
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})


# -- Daphne / Twisted ----------------------------------------------------------------------


def _channel_class():
    from twisted.internet.protocol import connectionDone
    from twisted.web import http

    class LimitedHTTPChannel(http.HTTPChannel):
        """Twisted's HTTP/1.1 channel, answering 414/431/400 with the page where Twisted drops or says 400."""

        # while bytes arrive, Daphne's TCP transport (write, loseWriteConnection, abortConnection, …), never None
        transport: Any
        MAX_LENGTH = TRANSPORT_LINE_BYTES
        totalHeadersSize = TRANSPORT_TOTAL_BYTES
        maxHeaders = MAX_HEADER_COUNT
        _refused = False
        _discarded = 0
        _abort_call = None

        def _in_request_line(self) -> bool:
            return not hasattr(self, "_command")  # set once the request line is parsed, deleted after the request

        def dataReceived(self, data):
            if self._refused:  # lingering: read and forget, so the client sees our answer, not a reset
                self._discarded += len(data)
                if self._discarded > LINGER_MAX_BYTES:
                    self.transport.abortConnection()
                return None
            return super().dataReceived(data)

        def lineLengthExceeded(self, line):
            self._refuse(414 if self._in_request_line() else 431)

        def lineReceived(self, line):
            if self._refused:
                return None
            if self._receivedHeaderSize + len(line) > self.totalHeadersSize:
                self._refuse(414 if self._in_request_line() else 431)
                return None
            return super().lineReceived(line)

        def headerReceived(self, line):
            if self._refused:
                return False
            if self._receivedHeaderCount >= self.maxHeaders:
                self._refuse(431)
                return False
            return super().headerReceived(line)

        def _respondToBadRequestAndDisconnect(self):
            self._refuse(400)

        def _refuse(self, status: int) -> None:
            if self._refused:
                return
            self._refused = True
            self.clearLineBuffer()
            self.setTimeout(None)
            self.transport.write(raw_response(status))
            self._networkProducer.unregisterProducer()
            lose_write = getattr(self.transport, "loseWriteConnection", None)
            if lose_write is None:
                self.transport.loseConnection()
                return
            lose_write()  # FIN after the answer; keep reading until the client closes
            self.transport.resumeProducing()
            self._abort_call = self.callLater(LINGER_SECONDS, self.transport.abortConnection)

        def connectionLost(self, reason=connectionDone):
            if self._abort_call is not None and self._abort_call.active():
                self._abort_call.cancel()
            return super().connectionLost(reason)

    return LimitedHTTPChannel


def _factory_class(base: type) -> type:
    from twisted.web.http import _GenericHTTPChannelProtocol

    channel = _channel_class()

    class LimitedHTTPFactory(base):
        def protocol(self):
            return _GenericHTTPChannelProtocol(channel())

    LimitedHTTPFactory.channel_class = channel
    return LimitedHTTPFactory


def install_in_daphne() -> bool:
    """Make Daphne servers of this process parse HTTP with ``LimitedHTTPChannel``; False without Daphne.

    Only when Daphne's server module is already loaded (the ``daphne`` command imports it before the
    application, and so does the ``daphne`` app in INSTALLED_APPS): importing it here would install
    Twisted's reactor in a process that has none. Daphne builds its HTTP factory from the module's
    ``HTTPFactory`` when it starts serving, after the application is loaded.
    """
    server: Any = sys.modules.get("daphne.server")
    if server is None:
        return False
    from twisted.web import http

    http.RESPONSES.setdefault(431, b"Request Header Fields Too Large")  # Twisted knows no reason phrase for it
    if not getattr(server.HTTPFactory, "hds_limited", False):
        server.HTTPFactory = _factory_class(server.HTTPFactory)
        server.HTTPFactory.hds_limited = True
    return True
