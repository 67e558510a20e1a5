"""Compressed responses (hds_site/compression.py): brotli or gzip when asked, the same body, BREACH length hiding.

Pages, JSON and CSV through the real middleware stack (test client), the page
cache with its per-visitor CSRF token, ETags, streaming responses, and
WhiteNoise's precompressed static files.
"""

from __future__ import annotations

import gzip
import re

import brotli
import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.urls import path, reverse

from hds_site import compression
from tests import factories

pytestmark = pytest.mark.django_db

TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')
BROWSER = "gzip, deflate, br, zstd"  # what Chromium sends


def _decoded(response) -> bytes:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    coding = response.get("Content-Encoding")
    if coding == "br":
        return brotli.decompress(body)
    if coding == "gzip":
        return gzip.decompress(body)
    assert coding is None, coding
    return body


def _without_token(content: bytes) -> bytes:
    return TOKEN.sub(b"TOKEN", content)


@pytest.fixture
def pages(db):
    home = factories.content_home()
    thread = factories.forum_thread(title="Tagessatz kalkulieren", body="Wie rechnet ihr? " * 40)
    factories.campaign_index()
    organiser = factories.UserFactory(display_name="Orga Nisatorin")
    campaign = factories.make_campaign(title="Faire Beiträge", slug="faire-beitraege", organisers=[organiser])
    factories.confirmed_signature(campaign, email="fan@example.com", name="Fanny Fan", postcode="80331")
    factories.make_campaign(title="Zahlungsfristen für Auftraggeber", slug="zahlungsfristen")  # a longer API list
    return {
        "home": home.url,
        "thread": thread.get_absolute_url(),
        "campaign": campaign.url,
        "api": "/api/v1/campaigns/",
        "_organiser": organiser,
        "_campaign": campaign,
    }


PAGES = ["home", "thread", "campaign", "api"]


@pytest.mark.parametrize("name", PAGES)
def test_pages_and_json_are_compressed_when_asked_and_decode_to_the_same_body(pages, name):
    client = Client()
    plain = client.get(pages[name])
    assert plain.status_code == 200 and "Content-Encoding" not in plain
    assert "Accept-Encoding" in plain["Vary"]
    for accept, coding in [("br", "br"), ("gzip", "gzip"), (BROWSER, "br"), ("gzip;q=1, br;q=0.5", "gzip")]:
        packed = client.get(pages[name], HTTP_ACCEPT_ENCODING=accept)
        assert packed.status_code == 200
        assert packed["Content-Encoding"] == coding, accept
        assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content)
        if name != "api":  # even the small pages of a test site shrink by half
            assert len(packed.content) < len(plain.content) * 0.5
        assert _without_token(_decoded(packed)) == _without_token(plain.content)
        assert packed["Content-Type"] == plain["Content-Type"]
        assert "Accept-Encoding" in packed["Vary"]


@pytest.mark.parametrize("accept", ["", "identity", "br;q=0, gzip;q=0", "deflate", "*;q=0"])
def test_not_compressed_when_not_asked(pages, accept):
    extra = {"HTTP_ACCEPT_ENCODING": accept} if accept else {}
    for name in PAGES:
        response = Client().get(pages[name], **extra)
        assert response.status_code == 200
        assert "Content-Encoding" not in response, (name, accept)
        assert "Accept-Encoding" in response["Vary"]


def test_the_compressed_length_varies_from_response_to_response_breach(pages):
    """As Django's gzip (random bytes in its header), brotli carries 0–100 random bytes in a metadata block."""
    client = Client()
    for coding in ("br", "gzip"):
        lengths = {len(client.get(pages["api"], HTTP_ACCEPT_ENCODING=coding).content) for _ in range(12)}
        assert len(lengths) >= 4, (coding, lengths)
        assert max(lengths) - min(lengths) <= compression.MAX_RANDOM_BYTES + 2
    data = b"<p>same content</p>" * 50
    sizes = {len(compression.brotli_compress(data)) for _ in range(200)}
    assert len(sizes) > 40
    assert all(brotli.decompress(compression.brotli_compress(data)) == data for _ in range(50))


def test_the_page_cache_fills_each_visitors_csrf_token_before_compressing(pages, settings):
    settings.HDS_PAGE_CACHE_SECONDS = 300
    first = Client().get(pages["home"], HTTP_ACCEPT_ENCODING="br")
    assert first["X-Page-Cache"] == "miss" and first["Content-Encoding"] == "br"
    tokens = []
    for coding in ("br", "gzip", ""):
        visitor = Client(enforce_csrf_checks=True)
        extra = {"HTTP_ACCEPT_ENCODING": coding} if coding else {}
        hit = visitor.get(pages["home"], **extra)
        assert hit["X-Page-Cache"] == "hit"
        assert hit.get("Content-Encoding") == (coding or None)
        html = _decoded(hit)
        assert b"\x00" not in html  # no hole left
        token = TOKEN.search(html).group(1).decode()
        # the token in the page is this visitor's own: it matches the cookie they got, and the form posts
        assert _unmask_cipher_token(token) == visitor.cookies["csrftoken"].value
        switched = visitor.post(reverse("set_language"), {"language": "en", "next": "/", "csrfmiddlewaretoken": token})
        assert switched.status_code == 302
        tokens.append(token)
    assert len(set(tokens)) == 3
    assert _without_token(_decoded(first)) == _without_token(html)


def test_an_etag_becomes_weak_and_still_answers_304(pages):
    client = Client()
    plain = client.get(pages["api"])
    packed = client.get(pages["api"], HTTP_ACCEPT_ENCODING="br")
    assert packed["ETag"] == "W/" + plain["ETag"]
    for tag in (packed["ETag"], plain["ETag"], f'"other", {packed["ETag"]}'):
        again = client.get(pages["api"], HTTP_ACCEPT_ENCODING="br", HTTP_IF_NONE_MATCH=tag)
        assert again.status_code == 304, tag
    assert client.get(pages["api"], HTTP_ACCEPT_ENCODING="br", HTTP_IF_NONE_MATCH='W/"other"').status_code == 200


def test_the_csv_export_is_compressed_the_pdf_is_not(pages):
    client = Client()
    client.force_login(pages["_organiser"])
    slug = pages["_campaign"].slug
    plain = client.get(reverse("campaigns:export_csv", args=[slug]))
    packed = client.get(reverse("campaigns:export_csv", args=[slug]), HTTP_ACCEPT_ENCODING="br")
    assert plain.status_code == packed.status_code == 200
    if len(plain.content) >= compression.MIN_SIZE:
        assert packed["Content-Encoding"] == "br"
    assert _decoded(packed) == plain.content  # byte for byte, the BOM included
    assert packed["Content-Disposition"] == plain["Content-Disposition"]
    pdf = client.get(reverse("campaigns:export_pdf", args=[slug]), HTTP_ACCEPT_ENCODING=BROWSER)
    assert pdf.status_code == 200 and "Content-Encoding" not in pdf and pdf.content.startswith(b"%PDF")


# -- streaming and other responses (views of this module) -----------------------------------------

ROWS = [f"{i};Zeile {i};München\n".encode() for i in range(500)]


def _stream(request):
    return StreamingHttpResponse(iter(ROWS), content_type="text/csv; charset=utf-8")


def _astream(request):
    async def rows():
        for row in ROWS:
            yield row

    return StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")


def _events(request):
    return StreamingHttpResponse(iter([b"data: 1\n\n"] * 100), content_type="text/event-stream")


def _small(request):
    return HttpResponse(b"<p>kurz</p>")


def _image(request):
    return HttpResponse(b"\x89PNG" + b"\0" * 2000, content_type="image/png")


def _no_transform(request):
    response = HttpResponse(b"<p>x</p>" * 100)
    response["Cache-Control"] = "no-transform"
    return response


urlpatterns = [
    path("stream/", _stream),
    path("astream/", _astream),
    path("events/", _events),
    path("small/", _small),
    path("image/", _image),
    path("no-transform/", _no_transform),
]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/stream/", "/astream/"])
@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_streaming_responses_are_compressed_chunk_by_chunk(url, coding, client):
    response = client.get(url, HTTP_ACCEPT_ENCODING=coding)
    assert response["Content-Encoding"] == coding and "Content-Length" not in response
    if response.is_async:
        from asgiref.sync import async_to_sync

        async def collect():
            return [chunk async for chunk in response.streaming_content]

        body = b"".join(async_to_sync(collect)())
    else:
        body = b"".join(response.streaming_content)
    decoded = brotli.decompress(body) if coding == "br" else gzip.decompress(body)
    assert decoded == b"".join(ROWS)


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/events/", "/small/", "/image/", "/no-transform/"])
def test_event_streams_small_bodies_images_and_no_transform_stay_as_they_are(url, client):
    response = client.get(url, HTTP_ACCEPT_ENCODING=BROWSER)
    assert response.status_code == 200 and "Content-Encoding" not in response


def test_negotiation():
    assert compression.negotiate("gzip, deflate, br, zstd") == "br"
    assert compression.negotiate("gzip") == "gzip"
    assert compression.negotiate("br;q=0, gzip") == "gzip"
    assert compression.negotiate("gzip;q=0.9, br;q=0.8") == "gzip"
    assert compression.negotiate("*") == "br"
    assert compression.negotiate("identity, *;q=0") is None
    assert compression.negotiate("br;q=nonsense, gzip;q=") in ("gzip", None)


# -- static files: WhiteNoise serves brotli (collectstatic writes .br with the brotli package) ----------


def test_whitenoise_compresses_static_files_with_brotli_and_serves_them(settings, tmp_path):
    from whitenoise.compress import Compressor

    css = (settings.BASE_DIR / "hds_site" / "static").rglob("*.css")
    source = next(iter(sorted(css)))
    target = tmp_path / "static" / "hds.css"
    target.parent.mkdir()
    target.write_bytes(source.read_bytes())
    written = list(Compressor(quiet=True).compress(str(target)))
    assert str(target) + ".br" in written  # the brotli package is installed: WhiteNoise writes .br
    settings.STATIC_ROOT = tmp_path / "static"
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    response = Client().get("/static/hds.css", HTTP_ACCEPT_ENCODING=BROWSER)
    assert response.status_code == 200 and response["Content-Encoding"] == "br"
    assert brotli.decompress(b"".join(response.streaming_content)) == source.read_bytes()

