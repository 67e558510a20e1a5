"""Overlong requests get 414 / 431 and a small page from a real Daphne process, which then serves on.

Before, a 100,000-character query string, a 20,000-character path or a 100 KB
cookie made Daphne drop the connection without a status (Twisted's HTTP parser
gives up on a line above 16 KiB). Now Twisted's limits answer with a status
(hds_site/request_limits.py, ``LimitedHTTPChannel``) and the ASGI middleware
enforces the documented, lower limits (8 KiB target, 8 KiB per header field,
16 KiB of header fields, 100 fields). Raw sockets against the Procfile's web
command; the process needs no database for this (/healthz).
"""

from __future__ import annotations

import socket
import time

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from hds_site import request_limits
from tests.faults import processes

pytestmark = [pytest.mark.slow]

KIB = 1024
HOST = b"Host: 127.0.0.1\r\n"


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("overlong")
    env = processes.daphne_env(database_url="", redis_url=None)
    env.pop("DATABASE_URL", None)
    env["SQLITE_PATH"] = str(log_dir / "unused.sqlite3")
    daphne = processes.Daphne("web", env, log_dir, procfile=True)
    try:
        daphne.wait_until_healthy()
        yield daphne
    finally:
        daphne.stop()


def _exchange(port: int, data: bytes, *, until_closed: bool = True) -> bytes:
    """Send ``data`` and read the answer (until the server closes, or one complete response)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the answer may already be on its way; read it
        received = b""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
            if not until_closed and b"\r\n\r\n" in received:
                head, _, body = received.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), None)
                if length is not None and len(body) >= length:
                    break
        return received


def _status(response: bytes) -> int:
    assert response.startswith(b"HTTP/1.1 "), f"no status line, the connection was dropped: {response[:200]!r}"
    return int(response.split(b" ", 2)[1])


def _get(target: bytes, *extra: bytes) -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\n" + HOST + b"".join(extra) + b"Connection: close\r\n\r\n"


def _serves_on(web) -> None:
    response = _exchange(web.port, _get(b"/healthz"))
    assert _status(response) == 200 and b'"ok"' in response, response[:300]
    assert web.alive()


CASES = {
    # what the audit sent: beyond Twisted's 16 KiB line limit, answered by the transport
    "query 100,000 characters": (_get(b"/?q=" + b"x" * 100_000), 414),
    "path 20,000 characters": (_get(b"/" + b"a" * 20_000 + b"/"), 414),
    "cookie 100 KB": (_get(b"/", b"Cookie: big=" + b"x" * 100 * KIB + b"\r\n"), 431),
    # the documented limits, below Twisted's, answered by the ASGI middleware
    "query 9,000 characters": (_get(b"/healthz?q=" + b"x" * 9000), 414),
    "cookie 10 KB": (_get(b"/healthz", b"Cookie: big=" + b"x" * 10 * KIB + b"\r\n"), 431),
    # more than 16 KiB of header fields in all, each below 8 KiB (the transport's total)
    "three 6 KB cookies": (_get(b"/healthz", *(b"Cookie: c%d=" % i + b"x" * 6 * KIB + b"\r\n" for i in range(3))), 431),
    "101 header fields": (_get(b"/healthz", *(b"X-Field-%d: 1\r\n" % i for i in range(101))), 431),
}


@pytest.mark.parametrize("case", list(CASES))
def test_an_overlong_request_gets_a_status_and_a_page_and_the_process_serves_on(web, case):
    data, expected = CASES[case]
    response = _exchange(web.port, data)
    assert _status(response) == expected, response[:300]
    head, _, body = response.partition(b"\r\n\r\n")
    assert b"content-type: text/html; charset=utf-8" in head.lower()
    assert b"cache-control: no-store" in head.lower()
    assert body == request_limits.page(expected)  # the whole small page, German and English
    text = body.decode()
    assert ("Adresse ist zu lang" if expected == 414 else "Cookies dieser Website") in text
    assert '<div lang="en">' in text
    _serves_on(web)


def test_requests_within_the_limits_are_served(web):
    assert _status(_exchange(web.port, _get(b"/healthz?q=" + b"x" * 7000))) == 200
    assert _status(_exchange(web.port, _get(b"/healthz", b"Cookie: c=" + b"x" * 7000 + b"\r\n"))) == 200


def test_a_refusal_by_the_middleware_keeps_the_connection(web):
    """414 from the application is an ordinary response: the next request on the same connection is served."""
    with socket.create_connection(("127.0.0.1", web.port), timeout=10) as sock:
        sock.sendall(b"GET /healthz?q=" + b"x" * 9000 + b" HTTP/1.1\r\n" + HOST + b"\r\n")
        first = b""
        while b"</html>" not in first:
            first += sock.recv(65536)
        assert _status(first) == 414
        sock.sendall(_get(b"/healthz"))
        second = b""
        while chunk := sock.recv(65536):
            second += chunk
        assert _status(second) == 200


def test_a_malformed_request_gets_400_with_the_page(web):
    response = _exchange(web.port, b"NONSENSE\r\n\r\n")
    assert _status(response) == 400
    assert response.partition(b"\r\n\r\n")[2] == request_limits.page(400)
    _serves_on(web)


def test_an_overlong_websocket_handshake_is_refused(web):
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{web.ws}/ws/community/categories/1/?pad={'x' * 9000}", origin="http://127.0.0.1", open_timeout=10)
    assert refused.value.response.status_code == 403
    _serves_on(web)


def test_no_error_was_logged(web):
    _exchange(web.port, CASES["cookie 100 KB"][0])
    assert "Traceback" not in web.full_log(), web.log()
