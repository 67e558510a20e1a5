"""Language of editorial content inside the UI language.

German pages are served under /en/ until an editor translates them, so the page
body can be in another language than the interface around it. Elements that
show page content get ``lang`` when the two differ (WCAG 3.1.2).
"""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import translation
from django.utils.html import conditional_escape, format_html

register = template.Library()


def _primary(code: str | None) -> str:
    return (code or "").split("-")[0].lower()


def _lang_attr(page) -> str:
    if not getattr(page, "locale_id", None):
        return ""
    code = page.locale.language_code
    if _primary(code) == _primary(translation.get_language()):
        return ""
    return format_html(' lang="{}"', code)


@register.simple_tag(takes_context=True)
def content_lang(context, page=None) -> str:
    """`` lang="de"`` when ``page`` (default: the context's ``page``) is in another language than the UI, else ""."""
    if page is None:
        page = context.get("page")
    return _lang_attr(page)


@register.filter
def in_content_lang(value, page):
    """``value`` wrapped in ``<span lang="de">`` when ``page`` is in another language than the UI.

    For page content inside a translated sentence, e.g.
    ``{% blocktranslate with addressee=page.addressee|in_content_lang:page %}An: {{ addressee }}…``.
    The value is escaped either way.
    """
    attr = _lang_attr(page)
    if not attr:
        return conditional_escape(value)
    return format_html("<span{}>{}</span>", attr, value)


@register.simple_tag(takes_context=True)
def language_switch_next(context, target: str) -> str:
    """The ``next`` URL for the language switcher's POST to ``set_language``.

    ``set_language`` translates ``next`` while the *default* language is active
    (its own URL has no prefix), and Wagtail's catch-all pattern then reads
    ``/en/seite/`` as a German page path ``en/seite/``: switching back to German
    would keep the ``/en/`` prefix. So the way back to the default language is
    translated here, while the current language is still active.
    """
    request = context.get("request")
    if request is None:
        return "/"
    path = request.get_full_path()
    if target == settings.LANGUAGE_CODE:
        return translate_url(path, target)
    return path


@register.filter
def in_ui_language(url):
    """A stored default-language URL (e.g. from the search index) under the UI language's prefix.

    Same rule as ``hds_site.i18n.UILanguageURLMixin``: only while the site has no
    page tree in the UI language.
    """
    ui_language = translation.get_language()
    if not url or not str(url).startswith("/") or _primary(ui_language) in ("", _primary(settings.LANGUAGE_CODE)):
        return url
    if translation.get_language_from_path(str(url)):
        return url  # already prefixed
    from wagtail.models import Site

    if any(_primary(root.language_code) == _primary(ui_language) for root in Site.get_site_root_paths()):
        return url
    with translation.override(settings.LANGUAGE_CODE):
        return translate_url(str(url), ui_language)
