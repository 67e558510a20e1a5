"""/suche/ and /suche/vorschlaege/ — thin: parse, ask selectors, render."""

from __future__ import annotations

import logging

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hds_site.templatetags.hds_i18n import in_ui_language
from search import selectors
from search.backends.base import DOC_TYPES, SearchUnavailable
from search.permissions import viewer_for
from search.text import render_snippet

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 200
MAX_ID = 2**63 - 1


def type_labels() -> dict[str, str]:
    return {
        "article": _("Ratgeber-Artikel"),
        "page": _("Seite"),
        "thread": _("Forumsthema"),
        "post": _("Forumsbeitrag"),
        "campaign": _("Kampagne"),
        "group": _("Interessengemeinschaft"),
    }


def _int_list(values) -> tuple[int, ...]:
    out = []
    for value in values:
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue
        if 0 < number <= MAX_ID:  # beyond: no such row, and SQLite cannot even compare it
            out.append(number)
    return tuple(dict.fromkeys(out))


def _link(params: dict, **changes) -> str:
    merged = {**params, **changes}
    pairs = []
    for key, value in merged.items():
        if value in (None, "", (), []):
            continue
        if isinstance(value, (list, tuple)):
            pairs.extend((key, v) for v in value)
        else:
            pairs.append((key, value))
    return "?" + urlencode(pairs)


@require_GET
def search(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    doc_types = tuple(t for t in dict.fromkeys(request.GET.getlist("type")) if t in DOC_TYPES)
    topic_ids = _int_list(request.GET.getlist("topic"))
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    labels = type_labels()
    context = {"query": query, "doc_types": doc_types, "topic_ids": topic_ids, "type_labels": labels}
    if not query:
        context["popular_topics"] = selectors.popular_topics()
        return render(request, "search/search.html", context)
    viewer = viewer_for(request.user)
    try:
        outcome = selectors.search_page(
            text=query, viewer=viewer, doc_types=doc_types, topic_ids=topic_ids, page=page
        )
    except SearchUnavailable as exc:
        logger.warning("search unavailable: %s", exc)
        return render(request, "search/unavailable.html", context, status=503)

    params = {"q": query, "type": list(doc_types), "topic": list(topic_ids)}
    results = outcome.results
    hits = [
        {
            "type": hit.doc_type,
            "type_label": labels.get(hit.doc_type, hit.doc_type),
            "title": render_snippet(hit.title),
            "snippet": render_snippet(hit.snippet),
            "url": hit.url,
            "date": hit.date,
            "moderation_only": hit.moderation_only,
            "topics": [outcome.topics[t] for t in hit.topic_ids if t in outcome.topics],
        }
        for hit in results.hits
    ]
    type_facets = [
        {
            "value": t,
            "label": labels[t],
            "count": results.type_counts.get(t, 0),
            "selected": t in doc_types,
            "url": _link(params, type=[x for x in doc_types if x != t] if t in doc_types else [*doc_types, t], page=None),
        }
        for t in DOC_TYPES
        if results.type_counts.get(t, 0) or t in doc_types
    ]
    topic_facets = sorted(
        (
            {
                "value": tid,
                "label": outcome.topics[tid].title,
                "count": results.topic_counts.get(tid, 0),
                "selected": tid in topic_ids,
                "url": _link(
                    params,
                    topic=[x for x in topic_ids if x != tid] if tid in topic_ids else [*topic_ids, tid],
                    page=None,
                ),
            }
            for tid in set(results.topic_counts) | set(topic_ids)
            if tid in outcome.topics
        ),
        key=lambda f: (-f["count"], f["label"]),
    )
    pages = []
    for number in range(max(1, outcome.page - 3), min(outcome.num_pages, outcome.page + 3) + 1):
        pages.append({"number": number, "url": _link(params, page=number), "current": number == outcome.page})
    context.update(
        outcome=outcome,
        hits=hits,
        total=results.total,
        type_facets=type_facets,
        topic_facets=topic_facets,
        pages=pages,
        previous_url=_link(params, page=outcome.page - 1) if outcome.page > 1 else None,
        next_url=_link(params, page=outcome.page + 1) if outcome.page < outcome.num_pages else None,
        reset_url=_link({"q": query}),
        filtered=bool(doc_types or topic_ids),
        spelling=[{"text": s, "url": _link({"q": s})} for s in outcome.spelling],
        popular_topics=outcome.popular_topics,
        first_number=(outcome.page - 1) * selectors.PER_PAGE + 1,
    )
    return render(request, "search/search.html", context)


@require_GET
def suggest(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    labels = type_labels()
    try:
        items = selectors.suggestions(text=query, viewer=viewer_for(request.user))
    except SearchUnavailable:
        return JsonResponse({"query": query, "suggestions": [], "unavailable": True}, status=503)
    response = JsonResponse(
        {
            "query": query,
            "suggestions": [
                # stored URLs are the German ones: under /en/ they lead into the English UI, as the results do
                {
                    "title": s.title,
                    "url": in_ui_language(s.url),
                    "type": s.doc_type,
                    "type_label": labels.get(s.doc_type, ""),
                }
                for s in items
            ],
        }
    )
    response["Cache-Control"] = "private, max-age=60"
    return response
