"""Page URLs that keep the visitor's UI language.

Wagtail gives a page the URL of its own language: a German page is at
``/ratgeber/``, even while the visitor reads the English UI at ``/en/``, where
Wagtail serves that German page as the fallback for the missing translation.
So every link to content would drop an English visitor back into the German UI.

``UILanguageURLMixin`` keeps such links under the UI language's prefix as long
as the site has no page tree in that language (nothing to link to instead).
Once editors translate the site, pages link where they live, as Wagtail does.
"""

from django.conf import settings
from django.urls import translate_url
from django.utils import translation


def _primary(code: str | None) -> str:
    return (code or "").split("-")[0].lower()


class UILanguageURLMixin:
    """For Page subclasses: ``get_url_parts`` in the active UI language while its tree is missing."""

    # mixed into wagtail Page subclasses: get_url_parts, _get_site_root_paths and url_path are Page's (untyped)
    def get_url_parts(self, request=None):
        parts = super().get_url_parts(request)  # type: ignore[misc]
        if not parts or parts[2] is None or not getattr(settings, "WAGTAIL_I18N_ENABLED", False):
            return parts
        ui_language = translation.get_language()
        if not ui_language:
            return parts
        site_id, root_url, page_path = parts
        # Wagtail's own per-request cache of (site_id, root_path, root_url, language_code): no queries
        roots = [root for root in self._get_site_root_paths(request) if root.site_id == site_id]  # type: ignore[attr-defined]
        mine = [root for root in roots if self.url_path.startswith(root.root_path)]  # type: ignore[attr-defined]
        if not mine or _primary(mine[0].language_code) == _primary(ui_language):
            return parts
        if any(_primary(root.language_code) == _primary(ui_language) for root in roots):
            return parts  # the site has a tree in the UI language: link the page where it lives
        with translation.override(mine[0].language_code):  # resolve the path as the page's language routes it
            return site_id, root_url, translate_url(page_path, ui_language)
