"""Compressed responses: brotli where the client accepts it, else gzip, with BREACH length hiding for both.

``CompressionMiddleware`` compresses HTML, JSON, CSV, XML, iCalendar and other
text responses (``COMPRESSIBLE``) of at least ``MIN_SIZE`` bytes when the
request's ``Accept-Encoding`` allows it: ``br`` (the ``brotli`` package,
quality ``BROTLI_QUALITY``) when accepted at least as much as gzip, else
``gzip`` (Django's ``compress_string`` / ``compress_sequence``). It is what
Django's ``GZipMiddleware`` does, plus brotli, q-values (``br;q=0`` is a
refusal) and these rules:

- Not compressed: responses that already have a ``Content-Encoding``, partial
  content (206), files (``FileResponse``: media, documents — WhiteNoise serves
  static files above this middleware, precompressed), ``text/event-stream``,
  PDFs and images (already compressed), ``Cache-Control: no-transform``, and a
  body the compression would not make smaller.
- ``Vary: Accept-Encoding`` on every response it could compress, whether or
  not this request accepted an encoding.
- A strong ``ETag`` becomes weak (``W/"…"``, RFC 9110 8.8.1): the bytes differ
  per encoding. ``If-None-Match`` compares weakly by definition (RFC 9110
  13.1.2), so the request's ``W/`` prefixes are removed before the view sees
  them: a view comparing strings (the campaign API) still answers 304.
- Streaming responses (CSV exports) are compressed chunk by chunk, each chunk
  flushed, without ``Content-Length``.
- BREACH: Django's gzip writes 0–``MAX_RANDOM_BYTES`` random bytes into the
  gzip header ("Heal the Breach", Django 4.2+). Brotli has no such header
  field, so the same number of random bytes goes into a *metadata meta-block*
  (RFC 7932 section 9.2: decoders skip it), written after a flush (the stream
  is byte-aligned there) and before the last block. The compressed length of
  a page therefore varies by up to 102 bytes from one response to the next,
  whichever encoding. Django's CSRF tokens are masked with a fresh random
  value per response as well, and the session cookie is ``SameSite=Lax``.

Place it right below WhiteNoise and above every middleware that reads or
writes the body (the page cache fills its CSRF holes below it, so what is
compressed is the finished page of this visitor).
"""

from __future__ import annotations

import os
import re
import secrets
from typing import cast

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_sequence, compress_string

try:
    import brotli
except ImportError:  # pragma: no cover - brotli is in requirements.txt
    brotli = None

MIN_SIZE = 200
MAX_RANDOM_BYTES = 100  # as Django's GZipMiddleware
BROTLI_QUALITY = 5  # 11 (the default) takes ~10x longer for ~5 % fewer bytes on a page

COMPRESSIBLE = re.compile(
    r"^(?:text/(?!event-stream$)[\w.+-]+|application/(?:json|javascript|xml|x-javascript|manifest\+json"
    r"|[\w.-]+\+(?:json|xml))|image/svg\+xml)$"
)
_CODING = re.compile(r"^\s*([\w*-]+)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


def negotiate(accept_encoding: str) -> str | None:
    """``br``, ``gzip`` or None for an ``Accept-Encoding`` header (q-values honoured, ties go to br)."""
    weights: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        match = _CODING.match(part)
        if not match:
            continue
        try:
            weights[match.group(1)] = float(match.group(2)) if match.group(2) is not None else 1.0
        except ValueError:
            continue
    star = weights.get("*", 0.0)
    offers = [("br", weights.get("br", star)), ("gzip", weights.get("gzip", weights.get("x-gzip", star)))]
    if brotli is None:
        offers = offers[1:]
    coding, weight = max(offers, key=lambda offer: offer[1])  # max keeps the first of equals: br
    return coding if weight > 0 else None


def brotli_padding() -> bytes:
    """0–MAX_RANDOM_BYTES random bytes as a brotli metadata meta-block (to be placed at a byte boundary).

    Bits, least significant first: ISLAST=0, MNIBBLES=3 (metadata), reserved 0, MSKIPBYTES=1,
    MSKIPLEN-1 in 8 bits, zero padding to the byte boundary; then MSKIPLEN bytes that decoders skip.
    """
    length = secrets.randbelow(MAX_RANDOM_BYTES + 1)
    if length == 0:
        return b""
    skip = length - 1
    return bytes([0x16 | ((skip & 0x3) << 6), skip >> 2]) + os.urandom(length)


def brotli_compress(data: bytes) -> bytes:
    compressor = brotli.Compressor(quality=BROTLI_QUALITY)
    return compressor.process(data) + compressor.flush() + brotli_padding() + compressor.finish()


def brotli_sequence(chunks):
    compressor = brotli.Compressor(quality=BROTLI_QUALITY)
    for chunk in chunks:
        out = compressor.process(chunk) + compressor.flush()
        if out:
            yield out
    yield compressor.flush() + brotli_padding() + compressor.finish()


async def _abrotli_sequence(chunks):
    compressor = brotli.Compressor(quality=BROTLI_QUALITY)
    async for chunk in chunks:
        out = compressor.process(chunk) + compressor.flush()
        if out:
            yield out
    yield compressor.flush() + brotli_padding() + compressor.finish()


async def _agzip_sequence(chunks):
    async for chunk in chunks:  # as Django's GZipMiddleware: each chunk a gzip member
        yield compress_string(chunk, max_random_bytes=MAX_RANDOM_BYTES)


def _content_type(response: HttpResponseBase) -> str:
    return response.get("Content-Type", "").split(";")[0].strip().lower()


def compressible(response: HttpResponseBase) -> bool:
    if response.has_header("Content-Encoding") or response.status_code == 206 or isinstance(response, FileResponse):
        return False
    if "no-transform" in response.get("Cache-Control", "").lower():
        return False
    if not COMPRESSIBLE.match(_content_type(response)):
        return False
    return response.streaming or len(cast(HttpResponse, response).content) >= MIN_SIZE


def _weak_tags(value: str) -> str:
    return re.sub(r'(^|,)\s*W/(")', r"\1\2", value)


class CompressionMiddleware:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
        if if_none_match and "W/" in if_none_match:
            request.META["HTTP_IF_NONE_MATCH"] = _weak_tags(if_none_match)
            request.__dict__.pop("headers", None)  # request.headers is cached
        return self.process_response(request, self.get_response(request))

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not compressible(response):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        coding = negotiate(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        if coding is None:
            return response
        if response.streaming:
            streaming = cast(StreamingHttpResponse, response)
            content = streaming.streaming_content
            if streaming.is_async:
                streaming.streaming_content = _abrotli_sequence(content) if coding == "br" else _agzip_sequence(content)
            elif coding == "br":
                streaming.streaming_content = brotli_sequence(content)
            else:
                streaming.streaming_content = compress_sequence(content, max_random_bytes=MAX_RANDOM_BYTES)  # type: ignore[arg-type]  # sync: is_async is False
            del response.headers["Content-Length"]
        else:
            plain = cast(HttpResponse, response)
            original = plain.content
            compressed = (brotli_compress(original) if coding == "br"
                          else compress_string(original, max_random_bytes=MAX_RANDOM_BYTES))
            if len(compressed) >= len(original):
                return response
            plain.content = compressed
            response.headers["Content-Length"] = str(len(compressed))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = coding
        return response
