"""Content views outside the page tree: the advice-centre finder and the Ratgeber shortcut."""

from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET
from wagtail.models import Locale

from . import selectors
from .forms import FinderForm, link_errors_to_fields


def _current_locale() -> Locale | None:
    try:
        return Locale.get_active()
    except Locale.DoesNotExist:
        return None


@require_GET
def finder(request):
    """GET form: Bundesland or PLZ, optional topic → the centres that serve it.

    Invalid input is shown next to the field (HTTP 200), never as an error page."""
    locale = _current_locale()
    topics = selectors.finder_topics(locale)
    form = FinderForm(request.GET or None, topics=topics)
    centres = None
    bundesland = topic = None
    if form.is_bound and form.has_query and form.is_valid():
        bundesland = form.resolved_bundesland()
        topic = form.cleaned_data.get("thema")
        centres = selectors.advice_centres(bundesland=bundesland, topic=topic)
    link_errors_to_fields(form)
    return render(
        request,
        "content/finder.html",
        {
            "form": form,
            "centres": centres,
            "bundesland": bundesland,
            "bundesland_name": FinderForm.bundesland_name(bundesland),
            "plz": form.cleaned_data.get("plz") if form.is_bound and not form.errors else "",
            "topic": topic,
            "LANGUAGE_CODE": get_language(),
        },
    )


@require_GET
def article_index_redirect(request):
    """The "Ratgeber" navigation entry: the first live article index, or home."""
    page = selectors.first_article_index(_current_locale())
    if page is not None:
        url = page.get_url(request)
        if url:
            return redirect(url)
    return redirect("wagtail_serve", "")
