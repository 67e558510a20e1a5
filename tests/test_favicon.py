"""The site icon: an SVG linked from every page, and /favicon.ico for clients that only ask for that."""

import pytest
from django.templatetags.static import static


def test_favicon_ico_redirects_to_the_svg_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("img/favicon.svg")
    assert "max-age=86400" in response["Cache-Control"]
    icon = client.get(response["Location"])  # served by WhiteNoise
    assert icon.status_code == 200
    assert icon["Content-Type"].startswith("image/svg+xml")
    body = b"".join(icon.streaming_content) if icon.streaming else icon.content
    assert body.startswith(b"<svg") and b"Haus der Selbstst" in body


@pytest.mark.django_db
def test_favicon_ico_is_not_under_a_language_prefix(client):
    assert client.get("/en/favicon.ico").status_code == 404
    assert client.head("/favicon.ico").status_code == 302


@pytest.mark.django_db
def test_pages_link_the_icon(client):
    html = client.get("/konto/login/").content.decode()
    assert f'<link rel="icon" href="{static("img/favicon.svg")}" type="image/svg+xml">' in html
