"""Reads for the search page and the suggestions endpoint.

``search_page()`` asks the backend for every term first; when nothing
matches a query of several words it asks again for any of the terms
(``relaxed``), and when still nothing matches it proposes spelling variants
(close words from visible titles) and popular topics.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field

from django.core.cache import cache

from search import text as textlib
from search.backends import get_backend
from search.backends.base import DOC_TYPES, SearchRequest, SearchResults, Suggestion, Viewer

PER_PAGE = 10
MAX_PAGE = 100


@dataclass
class Topic:
    id: int
    title: str
    url: str


@dataclass
class SearchPage:
    query: str
    results: SearchResults
    page: int
    num_pages: int
    relaxed: bool = False
    spelling: list[str] = field(default_factory=list)
    topics: dict[int, Topic] = field(default_factory=dict)
    popular_topics: list[Topic] = field(default_factory=list)


def topics_by_id(ids) -> dict[int, Topic]:
    """Titles and URLs of topic pages (one query)."""
    ids = [i for i in ids if i]
    if not ids:
        return {}
    try:
        from hds_site.content.models import TopicPage
    except ImportError:  # pragma: no cover - content app without topics
        return {}
    return {
        p.pk: Topic(id=p.pk, title=p.title, url=p.url or "")
        for p in TopicPage.objects.live().filter(pk__in=ids)
    }


def popular_topics(limit: int = 6) -> list[Topic]:
    """Topic pages with the most live articles (cached for five minutes)."""
    cached = cache.get("search:popular_topics")
    if cached is None:
        try:
            from django.db.models import Count, Q

            from hds_site.content.models import TopicPage

            pages = (
                TopicPage.objects.live()
                .annotate(n=Count("articles", filter=Q(articles__live=True)))
                .order_by("-n", "title")[:limit]
            )
            cached = [(p.pk, p.title, p.url or "") for p in pages]
        except Exception:  # suggestions are a nicety; never fail the page for them
            cached = []
        cache.set("search:popular_topics", cached, 300)
    return [Topic(id=i, title=t, url=u) for i, t, u in cached]


def spelling_variants(text: str, viewer: Viewer, *, limit: int = 3) -> list[str]:
    """Queries with each unknown word replaced by a close word from the titles the viewer may see."""
    vocabulary = get_backend().vocabulary(viewer)
    if not vocabulary:
        return []
    by_fold: dict[str, str] = {}
    for word in vocabulary:
        by_fold.setdefault(textlib.fold(word), word)
    folded_vocab = list(by_fold)
    known_stems = {textlib.stem(w) for w in folded_vocab}
    options: list[list[str]] = []
    changed = False
    for term in textlib.query_terms(text):
        if term in by_fold or textlib.stem(term) in known_stems:
            options.append([by_fold.get(term, term)])
            continue
        close = difflib.get_close_matches(term, folded_vocab, n=limit, cutoff=0.75)
        if close:
            changed = True
            options.append([by_fold[c] for c in close])
        else:
            options.append([term])
    if not changed:
        return []
    variants: list[str] = []
    for i in range(limit):
        variant = " ".join(opts[min(i, len(opts) - 1)] for opts in options)
        if variant not in variants:
            variants.append(variant)
    return variants


def search_page(*, text: str, viewer: Viewer, doc_types=(), topic_ids=(), page: int = 1) -> SearchPage:
    """Raises SearchUnavailable when the backend is down."""
    backend = get_backend()
    doc_types = tuple(t for t in doc_types if t in DOC_TYPES)
    page = min(max(1, page), MAX_PAGE)
    request = SearchRequest(
        text=text, viewer=viewer, doc_types=doc_types, topic_ids=tuple(topic_ids), page=page, per_page=PER_PAGE
    )
    results = backend.search(request)
    relaxed = False
    if results.total == 0 and not results.type_counts and len(textlib.query_terms(text)) > 1:
        request.operator = "or"
        results = backend.search(request)
        relaxed = results.total > 0
    num_pages = max(1, math.ceil(results.total / PER_PAGE))
    if page > num_pages and results.total:
        request.page = page = num_pages
        results = backend.search(request)
    topic_ids_needed = set(results.topic_counts) | set(topic_ids)
    for hit in results.hits:
        topic_ids_needed.update(hit.topic_ids)
    outcome = SearchPage(
        query=text,
        results=results,
        page=page,
        num_pages=num_pages,
        relaxed=relaxed,
        topics=topics_by_id(topic_ids_needed),
    )
    if results.total == 0:
        outcome.spelling = spelling_variants(text, viewer)
        outcome.popular_topics = popular_topics()
    return outcome


def suggestions(*, text: str, viewer: Viewer, limit: int = 8) -> list[Suggestion]:
    if len(text.strip()) < 2:
        return []
    return get_backend().suggest(text, viewer, limit=limit)
