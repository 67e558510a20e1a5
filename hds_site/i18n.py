"""Page URLs that keep the visitor's UI language.

Wagtail gives a page the URL of its own language: a German page (the demo has
no English translations yet) is at ``/ratgeber/``, even when the visitor reads
the English UI at ``/en/``, where Wagtail serves the same German page as a
fallback. Navigation entries that redirect to a page use this so that
"Advice" or "Campaigns" in the English UI stay in English.
"""

from django.urls import translate_url
from django.utils import translation
from wagtail.models import Page


def _primary(code: str | None) -> str:
    return (code or "").split("-")[0].lower()


def page_url_in_ui_language(page: Page, request=None) -> str | None:
    """``page.get_url(request)``, moved under the active language's prefix when the page is in another language."""
    url = page.get_url(request)
    ui_language = translation.get_language()
    if not url or not ui_language:
        return url
    page_language = page.locale.language_code
    if _primary(page_language) == _primary(ui_language):
        return url
    with translation.override(page_language):  # resolve the URL as the page's language routes it
        return translate_url(url, ui_language)
