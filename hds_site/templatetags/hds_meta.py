"""Page metadata and machine-readable dates.

- ``{{ value|iso_datetime }}``: a valid HTML ``datetime`` attribute — a datetime in UTC
  without fractions of a second (``2026-12-04T17:29:44Z``), a date as ``2026-12-04``.
  (``|date:'c'`` prints microseconds, which the Nu HTML Checker rejects.)
- ``{{ value|ldate:"MEDIUM_DATE_FORMAT" }}``: a date in a format named in the active
  language's ``hds_site/formats/<lang>/formats.py`` (Django's own names work with ``date``).
- ``{% filter site_title:SITE_NAME %}…{% endfilter %}``: "<page> – <site>", the site's
  name once (the home page is titled with it already).
- ``{% filter meta_description %}…{% endfilter %}``: plain text of at most 160 characters,
  cut at a word; the site's description when the page has nothing of its own.
- ``{% page_description page %}``: a Wagtail page's search description, else its teaser,
  else its intro, else the first paragraph of its body.
- ``{% alternate_links page %}``: ``<link rel="canonical">`` and the ``hreflang``
  alternates (``de``, ``en``, ``x-default``), absolute from ``SITE_URL``.
"""

from __future__ import annotations

import datetime
import html
import re

from django import template
from django.conf import settings
from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation
from django.utils.encoding import iri_to_uri
from django.utils.formats import get_format_modules
from django.utils.html import escape, format_html, strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()

DESCRIPTION_LENGTH = 160
# query parameters that name a different page of the same list (kept in the canonical URL)
CANONICAL_QUERY_KEYS = ("page",)


@register.filter
def iso_datetime(value) -> str:
    if isinstance(value, datetime.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(datetime.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return ""


@register.filter(expects_localtime=True)
def ldate(value, name: str) -> str:
    """``value`` formatted with the format ``name`` of the active language's format module."""
    if value in (None, ""):
        return ""
    for module in get_format_modules(lang=translation.get_language()):
        fmt = getattr(module, name, None)
        if fmt:
            return date_filter(value, fmt)
    return date_filter(value, name)  # one of Django's names (DATE_FORMAT, …)


@register.filter(is_safe=True)
def site_title(value, site_name: str) -> str:
    title = " ".join(str(value).split())
    site = str(site_name or "")
    if not title:
        return mark_safe(format_html("{}", site))  # noqa: S308 — built by format_html, every value escaped
    # the page's own title is the site's name, or already ends with it: say it once
    if not site or title == format_html("{}", site) or title.endswith(f"– {format_html('{}', site)}"):
        return mark_safe(title)  # noqa: S308 — built by format_html, every value escaped
    return mark_safe(title + format_html(" – {}", site))  # noqa: S308 — built by format_html, every value escaped


def _plain(text) -> str:
    return " ".join(html.unescape(strip_tags(str(text or ""))).split())


@register.filter(is_safe=True)
def meta_description(value) -> str:
    """The rendered (escaped) block as plain text, cut at a word, escaped once again."""
    text = " ".join(html.unescape(strip_tags(str(value or ""))).split())
    if not text:
        text = gettext(
            "Das Haus der Selbstständigen berät, vernetzt und vertritt Solo-Selbstständige: "
            "Ratgeber, Beratungsstellen, Forum und Kampagnen."
        )
    if len(text) > DESCRIPTION_LENGTH:  # cut at the last word that fits, with an ellipsis
        cut = text[: DESCRIPTION_LENGTH - 1]
        if " " in cut and not text[DESCRIPTION_LENGTH - 1].isspace():
            cut = cut.rsplit(" ", 1)[0]
        text = cut.rstrip(" ,;:–-") + "…"
    return escape(text)


def _first_paragraph(body) -> str:
    for block in body or []:
        if block.block_type == "paragraph":
            source = getattr(block.value, "source", block.value)
            for paragraph in re.split(r"</p>", str(source)):
                text = _plain(paragraph)
                if text:
                    return text
    return ""


@register.simple_tag
def page_description(page=None) -> str:
    if page is None or not hasattr(page, "specific_class"):
        return ""
    for field in ("search_description", "teaser", "intro"):
        text = _plain(getattr(page, field, ""))
        if text:
            return text
    return _first_paragraph(getattr(page, "body", None))


def _primary(code: str | None) -> str:
    return (code or "").split("-")[0].lower()


def _neutral_path(path: str) -> str:
    """The path without the active language's prefix (``/en/forum/`` → ``/forum/``)."""
    current = _primary(translation.get_language())
    if current and current != _primary(settings.LANGUAGE_CODE):
        prefix = f"/{current}/"
        if path.startswith(prefix):
            return path[len(prefix) - 1 :]
        if path == prefix.rstrip("/"):
            return "/"
    return path


def _translated_page_path(page, request, code: str) -> str | None:
    """Where a Wagtail page's translation lives, once the site has a page tree in ``code``."""
    try:
        roots = page._get_site_root_paths(request)
    except Exception:
        return None
    if not any(_primary(root.language_code) == code for root in roots):
        return None  # no tree in that language: the UI mirror (/en/<path>) serves the page
    with translation.override(code):
        localized = page.localized
        parts = localized.get_url_parts(request) if localized.live else None
    return iri_to_uri(parts[2]) if parts else None


def language_paths(request, page=None) -> dict[str, str]:
    neutral = iri_to_uri(_neutral_path(request.path))  # /mitglieder/Jana Freiberg/ → …Jana%20Freiberg/
    default = _primary(settings.LANGUAGE_CODE)
    paths = {}
    for code, _name in settings.LANGUAGES:
        code = _primary(code)
        path = _translated_page_path(page, request, code) if page is not None and hasattr(page, "localized") else None
        if path is None:
            path = neutral if code == default else f"/{code}{neutral}"
        paths[code] = path
    return paths


@register.simple_tag(takes_context=True)
def alternate_links(context, page=None) -> str:
    request = context.get("request")
    if request is None:
        return ""
    base = settings.SITE_URL.rstrip("/")
    paths = language_paths(request, page)
    query = "&".join(
        f"{key}={value}"
        for key in CANONICAL_QUERY_KEYS
        if (value := request.GET.get(key, "")).isdigit() and int(value) > 1
    )
    suffix = f"?{query}" if query else ""
    current = _primary(translation.get_language()) or _primary(settings.LANGUAGE_CODE)
    links = [format_html('<link rel="canonical" href="{}">', base + paths.get(current, iri_to_uri(request.path)) + suffix)]
    for code, path in paths.items():
        links.append(format_html('<link rel="alternate" hreflang="{}" href="{}">', code, base + path + suffix))
    default_path = paths[_primary(settings.LANGUAGE_CODE)]
    links.append(format_html('<link rel="alternate" hreflang="x-default" href="{}">', base + default_path + suffix))
    return mark_safe("\n  ".join(links))  # noqa: S308 — built by format_html, every value escaped
