"""Admin registration and template hooks of the content app."""

import django_filters
from django.conf import settings
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import selectors
from .models import AdviceCentre, Bundesland


class AdviceCentreFilterSet(WagtailFilterSet):
    bundeslaender = django_filters.ModelChoiceFilter(
        label=_("Bundesland"), queryset=Bundesland.objects.all(), field_name="bundeslaender"
    )

    class Meta:
        model = AdviceCentre
        fields = ["kind", "nationwide", "is_demo", "bundeslaender"]


class AdviceCentreViewSet(SnippetViewSet):
    model = AdviceCentre
    icon = "site"
    menu_label = _("Beratungsstellen")
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["name", "kind", "nationwide", "email", "is_demo"]
    list_per_page = 50
    filterset_class = AdviceCentreFilterSet
    ordering = ["name"]
    # search uses AdviceCentre.search_fields through the search backend (field-restricted
    # search is not supported by the SQLite full-text backend)


register_snippet(AdviceCentreViewSet)


@hooks.register("hds_footer_links")
def footer_links(context):
    """Links to the StandardPages flagged "show in footer" (Impressum, Datenschutz …)."""
    from wagtail.models import Locale

    request = context.get("request")
    try:
        locale = Locale.get_active()
    except Locale.DoesNotExist:
        locale = None
    pages = selectors.footer_pages(locale)
    # a title in another language than the UI (e.g. the German fallback under /en/) gets lang (WCAG 3.1.2)
    ui = (get_language() or settings.LANGUAGE_CODE).split("-")[0]

    def lang(page):
        code = locale.language_code if locale is not None and page.locale_id == locale.pk else settings.LANGUAGE_CODE
        return "" if code.split("-")[0] == ui else format_html(' lang="{}"', code)

    return format_html_join(
        "", '<li><a href="{}"{}>{}</a></li>', ((page.get_url(request), lang(page), page.title) for page in pages)
    )
