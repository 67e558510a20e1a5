"""Reads shared by the content pages, with their prefetching (constant query counts)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page
from wagtail.query import PageQuerySet

from .models import AdviceCentre, ArticleIndexPage, ArticlePage, HomePage, StandardPage, TopicPage

ARTICLE_LIST_FIELDS = (
    "id", "title", "slug", "url_path", "path", "depth", "locale_id", "kind", "teaser",
    "publication_date", "last_reviewed", "author_name", "live", "content_type_id",
)


def _live_topics() -> QuerySet[TopicPage]:
    return TopicPage.objects.live().public().only("id", "title", "slug", "url_path", "path", "depth", "locale_id")


def topics_for_home(home: Page) -> list[TopicPage]:
    return list(TopicPage.objects.live().public().child_of(home).order_by("path"))


def topics_for_filter(index_page: Page) -> list[TopicPage]:
    """The topics of the index page's language, for the filter form."""
    return list(_live_topics().filter(locale_id=index_page.locale_id).order_by("title"))


def _article_list(qs: PageQuerySet) -> QuerySet[ArticlePage]:
    return (
        qs.live()
        .public()
        .only(*ARTICLE_LIST_FIELDS)
        .order_by("-publication_date", "-first_published_at", "-id")
    )


def attach_topics(articles: Iterable[ArticlePage]) -> None:
    """Prefetch each article's live topics in one query (works on slices/pages of a paginator)."""
    articles = list(articles)
    if articles:
        from django.db.models import prefetch_related_objects

        prefetch_related_objects(articles, Prefetch("topics", queryset=_live_topics().order_by("title")))


def articles_in_index(
    index_page: ArticleIndexPage, *, topic: TopicPage | None = None, kind: str | None = None
) -> QuerySet[ArticlePage]:
    qs = ArticlePage.objects.child_of(index_page)
    if topic is not None:
        qs = qs.filter(topics=topic)
    if kind:
        qs = qs.filter(kind=kind)
    return _article_list(qs)


def articles_for_topic(topic: TopicPage, *, limit: int | None = None) -> list[ArticlePage]:
    qs = _article_list(ArticlePage.objects.filter(topics=topic))
    if limit:
        qs = qs[:limit]
    articles = list(qs)
    attach_topics(articles)
    return articles


def latest_articles(home: Page, *, kind: str | None = None, limit: int = 3) -> list[ArticlePage]:
    qs = ArticlePage.objects.descendant_of(home)
    if kind:
        qs = qs.filter(kind=kind)
    return list(_article_list(qs)[:limit])


def featured_articles(home: HomePage) -> list[ArticlePage]:
    """Editor-chosen articles, or the newest advice articles when none are chosen."""
    ids = [item.article_id for item in home.featured_articles.all()]
    if ids:
        by_id = {a.id: a for a in _article_list(ArticlePage.objects.filter(id__in=ids))}
        articles = [by_id[i] for i in ids if i in by_id]
    else:
        articles = latest_articles(home, kind=ArticlePage.KIND_ADVICE, limit=6)
    attach_topics(articles)
    return articles


def finder_topics(locale: Locale | None = None) -> list[TopicPage]:
    """Topic hubs for the finder's topic filter: those of the active locale, or, while
    that locale has none yet (an English tree not translated), those of the default language."""
    qs = TopicPage.objects.live().public().order_by("title")
    if locale is not None:
        localized = list(qs.filter(locale=locale))
        if localized:
            return localized
    return list(qs.filter(locale__language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)))


def first_article_index(locale: Locale | None = None) -> ArticleIndexPage | None:
    qs = ArticleIndexPage.objects.live().public().order_by("path")
    if locale is not None:
        page = qs.filter(locale=locale).first()
        if page:
            return page
    return qs.first()


def footer_pages(locale: Locale | None = None) -> list[StandardPage]:
    qs = StandardPage.objects.live().public().filter(show_in_footer=True).order_by("path")
    if locale is not None:
        localized = list(qs.filter(locale=locale))
        if localized:
            return localized
    # no Locale lookup here: the footer must render even while the Locale table is empty
    return list(qs.filter(locale__language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)))


def advice_centres(*, bundesland: str | None = None, topic: TopicPage | None = None) -> list[AdviceCentre]:
    """Centres serving a Land (plus nationwide ones), optionally for a topic.

    A centre without topics advises on every topic. Regional centres come first.
    """
    qs = AdviceCentre.objects.all()
    if bundesland:
        qs = qs.filter(Q(nationwide=True) | Q(bundeslaender__code=bundesland))
    if topic is not None:
        topic_ids = {topic.id}
        # the same topic in other languages counts too
        topic_ids.update(TopicPage.objects.filter(translation_key=topic.translation_key).values_list("id", flat=True))
        qs = qs.filter(Q(topics__in=topic_ids) | Q(topics__isnull=True))
    ids = qs.values("id")
    order = {AdviceCentre.KIND_REGIONAL: 0, AdviceCentre.KIND_HDS: 1, AdviceCentre.KIND_OTHER: 2}
    centres = list(
        AdviceCentre.objects.filter(id__in=ids).prefetch_related(
            "bundeslaender", Prefetch("topics", queryset=_live_topics().order_by("title"))
        )
    )
    centres.sort(key=lambda c: (order.get(c.kind, 9), c.name))
    return centres
