"""A lean HTTP/1.1 load client with keep-alive connections (asyncio streams, loopback only).

``harness.http`` opens a TCP connection per request (``Connection: close``):
simple, but at hundreds of requests per second on two shared cores the
connects, accepts and the client's own parsing compete with the servers it
measures. This client keeps one connection per request slot open and sends
request after request on it, as a browser or a proxy in front of the servers
would. Ours and the baseline use the same client, so the comparison stays fair.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlencode, urlsplit

from bench.harness import Response


class Connection:
    """One persistent connection to one server (reconnects when the server closed it)."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> None:
        self.close()
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, *, data: dict | None = None, cookies: dict | None = None,
                      timeout: float = 30.0) -> Response:
        """Send one request and read the whole response; timed from the first byte sent to the last received."""
        body = urlencode(data or {}, doseq=True).encode() if data is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: keep-alive",
                 "User-Agent: hds-bench", "Accept: text/html"]
        if cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
        if data is not None:
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        if self.writer is None or self.reader.at_eof() or self.writer.is_closing():
            await self._connect()
        t0 = time.perf_counter()
        try:
            status, headers, jar, payload = await asyncio.wait_for(self._exchange(raw, method), timeout)
        except BaseException:
            self.close()  # the connection's state is unknown: never reuse it
            raise
        seconds = time.perf_counter() - t0
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Response(status, headers, payload, jar, seconds)

    async def _exchange(self, raw: bytes, method: str):
        self.writer.write(raw)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        head_lines = head[:-4].decode("latin-1").split("\r\n")
        status = int(head_lines[0].split()[1])
        headers, jar = {}, {}
        for line in head_lines[1:]:
            k, _, v = line.partition(":")
            k, v = k.strip().lower(), v.strip()
            if k == "set-cookie":
                name, _, rest = v.partition("=")
                jar[name] = rest.split(";", 1)[0]
            headers[k] = v
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            payload = b""
        elif "content-length" in headers:
            payload = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            payload = await self._read_chunked()
        else:  # no framing: the body ends with the connection
            payload = await self.reader.read()
            self.close()
        return status, headers, jar, payload

    async def _read_chunked(self) -> bytes:
        out = bytearray()
        while True:
            size_line = await self.reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                # trailers (usually none) end with an empty line
                while (await self.reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                return bytes(out)
            out += await self.reader.readexactly(size + 2)
            del out[-2:]


class Client:
    """``slots`` persistent connections spread round-robin over the servers; at most ``slots`` requests in flight."""

    def __init__(self, bases: list[str], slots: int):
        self.connections: asyncio.Queue[Connection] = asyncio.Queue()
        for i in range(slots):
            self.connections.put_nowait(Connection(bases[i % len(bases)]))

    async def request(self, method: str, path: str, **kwargs) -> Response:
        conn = await self.connections.get()
        try:
            return await conn.request(method, path, **kwargs)
        finally:
            self.connections.put_nowait(conn)

    async def run(self, calls) -> list:
        """Await ``calls`` (coroutines that use this client), results in order; a failed request is a result."""

        async def guarded(c):
            try:
                return await c
            except Exception as exc:
                return exc

        return await asyncio.gather(*(guarded(c) for c in calls))

    def close(self) -> None:
        while not self.connections.empty():
            self.connections.get_nowait().close()

