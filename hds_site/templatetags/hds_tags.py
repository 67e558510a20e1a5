"""Template extension points shared by all apps.

``{% render_hook "header_items" %}`` renders the HTML returned by every function
registered with ``wagtail.hooks.register("hds_header_items")`` (called with the
template context). Apps lower in the import chain (community, campaigns) plug
into pages of hds_site this way without hds_site importing them.
"""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from wagtail import hooks

register = template.Library()


@register.simple_tag(takes_context=True)
def render_hook(context, name, *args):
    parts = []
    for fn in hooks.get_hooks(f"hds_{name}"):
        html = fn(context, *args)
        if html:
            parts.append(conditional_escape(html))
    return mark_safe("".join(parts))  # noqa: S308 — every part passed through conditional_escape
