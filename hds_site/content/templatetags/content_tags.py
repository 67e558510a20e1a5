"""Small presentation helpers for content templates."""

import re

from django import template
from django.utils.safestring import mark_safe
from django.utils.text import slugify

register = template.Library()

_IFRAME_RE = re.compile(r"<iframe(?![^>]*\btitle=)", re.IGNORECASE)


@register.filter
def anchor(text: str) -> str:
    """A stable id for a heading ("Wer ist versicherungspflichtig?" → "wer-ist-versicherungspflichtig")."""
    return slugify(str(text).replace("ß", "ss")) or "abschnitt"


@register.filter
def with_iframe_title(html, title: str):
    """Give embedded iframes a title (WCAG 4.1.2) when the provider's HTML has none."""
    escaped = str(title).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return mark_safe(_IFRAME_RE.sub(f'<iframe title="{escaped}"', str(html)))  # noqa: S308 — the provider HTML is the embed finder’s, the title escaped above


@register.simple_tag
def toc_headings(body):
    """(text, anchor) of the level-2 headings of a stream body, for a table of contents."""
    items = []
    for block in body or []:
        if block.block_type == "heading" and block.value.get("level") == "h2":
            text = block.value.get("heading_text", "")
            items.append((text, anchor(text)))
    return items


@register.simple_tag(takes_context=True)
def query_with(context, **kwargs):
    """The current GET query with some parameters replaced (for pagination links)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()
