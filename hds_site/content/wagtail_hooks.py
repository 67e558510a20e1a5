"""Admin registration and template hooks of the content app."""

from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

import django_filters

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
    return format_html_join(
        "", '<li><a href="{}">{}</a></li>', ((page.get_url(request), page.title) for page in pages)
    )
