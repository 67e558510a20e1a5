"""Broken image uploads in the Wagtail admin get a form error, never a 500.

A GIF header followed by junk passed Wagtail's format sniffing (Willow reads
the magic bytes) and raised ``UnidentifiedImageError`` when the size was read.
The upload is now decoded with Pillow (verify + load) before it is accepted:
truncated or fake images, wrong extensions and empty files are refused, through
the single upload view and the multiple-upload view (which answers JSON).
"""

import io
import json

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.images import get_image_model

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db):
    from hds_site.content.services import ensure_editorial_setup

    ensure_editorial_setup()  # group "Redaktion" with the image permissions, as on the real site
    user = UserFactory(email="redaktion@example.com", display_name="Redakteurin", is_staff=True)
    user.groups.add(Group.objects.get(name="Redaktion"))
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _png(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (200, 30, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    PILImage.effect_noise(size, 40).convert("RGB").save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _animated_gif(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    frames = [PILImage.new("P", size, colour) for colour in (1, 50, 100)]
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


BROKEN = {
    "gif-header-then-junk": ("kaputt.gif", b"GIF89a" + b"\x00\xff junk " * 40),
    "gif-header-only": ("kopf.gif", b"GIF89a"),
    "truncated-png": ("halb.png", _png((256, 256))[:300]),
    "png-with-broken-data": ("verdorben.png", _png()[:60] + b"\x00" * 200 + _png()[-12:]),
    "truncated-jpeg": ("halb.jpg", _jpeg((256, 256))[:700]),
    "text-named-jpg": ("notiz.jpg", b"Nur ein Text, kein Bild.\n" * 10),
    "png-named-jpg": ("falsch.jpg", _png()),
    "zero-bytes": ("leer.png", b""),
    "text-named-txt": ("notiz.txt", b"Nur Text"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_upload_gets_a_form_error(editor, case):
    name, content = BROKEN[case]
    response = editor.post(reverse("wagtailimages:add"), {
        "title": f"Kaputt {case}", "file": SimpleUploadedFile(name, content), "collection": "",
    })
    assert response.status_code == 200, case
    form = response.context["form"]
    assert "file" in form.errors, (case, form.errors)
    assert form.errors["file"][0] in response.content.decode()
    assert not get_image_model().objects.exists()


def test_the_error_says_what_is_wrong_in_german(editor):
    name, content = BROKEN["gif-header-then-junk"]
    response = editor.post(reverse("wagtailimages:add"), {"title": "Kaputt", "file": SimpleUploadedFile(name, content)})
    assert "Diese Datei ist kein vollständiges Bild" in response.content.decode()


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_upload_in_the_multiple_uploader_gets_an_error_in_its_json(editor, case):
    name, content = BROKEN[case]
    response = editor.post(reverse("wagtailimages:add_multiple"), {"files[]": SimpleUploadedFile(name, content)})
    assert response.status_code == 200, case
    data = json.loads(response.content)
    assert data["success"] is False, data
    assert data["error_message"], data
    assert not get_image_model().objects.exists()


@pytest.mark.parametrize("name, content", [
    ("gut.png", _png()), ("gut.jpg", _jpeg()), ("gut.jpeg", _jpeg()), ("animiert.gif", _animated_gif()),
])
def test_a_valid_image_is_still_accepted(editor, name, content):
    response = editor.post(reverse("wagtailimages:add"), {"title": "Gutes Bild", "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    image = get_image_model().objects.get(title="Gutes Bild")
    assert (image.width, image.height) == (64, 48)
    # and a rendition can be made from it
    assert image.get_rendition("fill-32x32").width == 32


def test_a_valid_image_is_still_accepted_by_the_multiple_uploader(editor):
    response = editor.post(reverse("wagtailimages:add_multiple"), {"files[]": SimpleUploadedFile("gut.png", _png())})
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["success"] is True, data
    assert get_image_model().objects.count() == 1
