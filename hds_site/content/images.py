"""Image uploads in the Wagtail admin: an upload is an image only if Pillow can decode it.

Wagtail's ``WagtailImageField`` recognises a format by its first bytes (Willow)
and reads the size lazily: a GIF header followed by junk passed the format
check and raised ``UnidentifiedImageError`` while the size was read — a 500 in
the admin. Truncated files passed altogether and broke later, when a rendition
was made on a public page.

``ImageForm`` (``WAGTAILIMAGES_IMAGE_FORM_BASE``) is Wagtail's image form whose
file field also decodes the upload (``verify()``, then ``load()`` of every
frame) after Wagtail's own checks (extension, declared vs. real format, file
size, pixel count — so nothing larger than ``WAGTAILIMAGES_MAX_IMAGE_PIXELS`` is
decoded). Every failure is a form error; the single and the multiple upload
views (the latter answers JSON) both build their form from this base.
"""

from __future__ import annotations

from io import BytesIO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image as PILImage
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

# decoding every frame of an animation is bounded by Wagtail's pixel limit (width × height × frames)
MAX_FRAMES = 1000

BROKEN_IMAGE = _("Diese Datei ist kein vollständiges Bild (beschädigt, abgeschnitten oder ein anderes Format). "
                 "Bitte laden Sie eine GIF-, JPEG-, PNG-, WebP- oder AVIF-Datei hoch.")


def decode(source) -> None:
    """Raise ``ValidationError`` unless Pillow decodes ``source`` (a file object) completely."""
    try:
        source.seek(0)
        with PILImage.open(source) as image:
            image.verify()  # structure and checksums (PNG CRCs), without decoding the pixels
        source.seek(0)
        with PILImage.open(source) as image:
            for frame in range(min(getattr(image, "n_frames", 1), MAX_FRAMES)):
                image.seek(frame)
                image.load()  # the pixels: a truncated file fails here ("image file is truncated")
    except ValidationError:
        raise
    except Exception as exc:  # Pillow raises many kinds (OSError, SyntaxError, ValueError, struct.error …)
        raise ValidationError(BROKEN_IMAGE, code="invalid_image") from exc
    finally:
        source.seek(0)


class DecodedImageField(WagtailImageField):
    """``WagtailImageField`` that accepts only what Pillow can decode; never raises anything but ValidationError."""

    def to_python(self, data):
        try:
            f = super().to_python(data)
        except ValidationError:
            raise
        except Exception as exc:  # Willow/Pillow reading the size of a broken file
            raise ValidationError(BROKEN_IMAGE, code="invalid_image") from exc
        if f is None or getattr(f.image, "format_name", "") == "svg":  # SVG is not Pillow's (and not allowed here)
            return f
        if hasattr(data, "read"):
            decode(data)
        else:
            decode(BytesIO(data["content"]))
        return f


class ImageForm(BaseImageForm):
    """Wagtail's image form (``WAGTAILIMAGES_IMAGE_FORM_BASE``) with ``DecodedImageField`` for the file.

    Wagtail builds the file field itself (``formfield_for_dbfield`` in
    ``modelform_factory``), so the field is switched to the subclass here, per
    form instance (``self.fields`` is the instance's own copy); the subclass
    adds behaviour only, no state.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("file")
        if field is not None and type(field) is WagtailImageField:
            field.__class__ = DecodedImageField
