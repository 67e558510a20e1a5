"""Oversized input is refused clearly: request bodies, field counts, Wagtail image uploads.

(WebSocket frames above the 16 KiB limit: tests/security/test_hostile_websocket.py.)
The public site takes no member uploads (no avatars, no attachments): the only
file uploads are editors' images and documents in the Wagtail admin.
"""

from __future__ import annotations

import io

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from community.models import Category
from tests.factories import UserFactory, campaign_index, make_campaign

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024


def test_the_limits_are_configured():
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 5 * MIB
    assert django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 5 * MIB
    assert django_settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE == 10 * MIB
    assert django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS <= 1000


@pytest.fixture
def targets(db):
    member = UserFactory(display_name="Grosse Daten")
    category = Category.objects.create(name="Gross", slug="gross")
    campaign_index()
    campaign = make_campaign(title="Gross-Kampagne", slug="gross-kampagne")
    client = Client()
    client.force_login(member)
    translation.activate("de")  # URLs of the German UI (a test before may have left English active)
    return client, [
        reverse("community:thread_create", args=[category.slug]),
        reverse("campaigns:sign", args=[campaign.pk]),
        reverse("campaigns:data_request"),
        reverse("account_signup"),
    ]


def test_a_body_above_the_limit_gets_a_clear_413(targets):
    client, urls = targets
    body = "x" * (5 * MIB + 1)
    for url in urls[:2]:
        response = client.post(url, {"body": body, "name": "Anna"})
        assert response.status_code == 413, (url, response.status_code)
        text = response.content.decode()
        assert "zu groß" in text and "5 MiB" in text, text[:500]
        assert "<html" in text.lower()  # the site's layout, not a bare error string


def test_the_refusal_is_in_english_in_the_english_ui(targets):
    client, urls = targets
    response = client.post("/en" + urls[0], {"body": "x" * (5 * MIB + 1)})
    assert response.status_code == 413
    assert "too large" in response.content.decode()


def test_too_many_fields_get_a_clear_413(targets):
    client, urls = targets
    data = "&".join(f"f{i}=1" for i in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = client.generic("POST", urls[1], data, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "zu viele Felder" in response.content.decode()


def test_a_malformed_multipart_body_gets_a_clear_400(targets):
    client, urls = targets
    response = client.generic("POST", urls[1], b"--XYZ\r\nnonsense", content_type="multipart/form-data; boundary=XYZ")
    assert response.status_code in (200, 400)  # Django may read it as an empty form (re-rendered) or refuse it
    assert response.status_code != 500


def test_a_file_posted_to_a_public_form_is_ignored_not_a_500(targets):
    client, urls = targets
    upload = SimpleUploadedFile("gross.bin", b"\0" * (6 * MIB), content_type="application/octet-stream")
    response = client.post(urls[1], {"name": "Anna", "file": upload})
    assert response.status_code in (200, 400)


def test_wagtail_refuses_an_image_above_its_limit(settings, db):
    from PIL import Image

    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 64 * 1024  # the same check as at 10 MiB, with a small file
    admin = UserFactory(display_name="Admin Bild", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    image = Image.frombytes("RGB", (256, 256), bytes(range(256)) * 768)
    buffer = io.BytesIO()
    image.save(buffer, format="BMP")  # uncompressed: ~196 KB
    upload = SimpleUploadedFile("gross.bmp", buffer.getvalue(), content_type="image/bmp")
    response = client.post(reverse("wagtailimages:add"), {"title": "Zu groß", "file": upload})
    assert response.status_code == 200  # the form again, not a redirect to the new image
    form = response.context["form"]
    assert "file" in form.errors, form.errors
    assert form.errors["file"][0] in response.content.decode()
    from wagtail.images import get_image_model

    assert not get_image_model().objects.filter(title="Zu groß").exists()
