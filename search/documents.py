"""What gets indexed, per type, with who may see it.

Every searchable object becomes an ``IndexDocument`` (search.backends.base).
An object that nobody but its author or the editors may open — a draft or a
page never published, a campaign in review, a page behind a password or a
group restriction, a deleted post — produces no document, and syncing it
removes any document it had.

Visibility metadata:

===========  ============================================================
type         audience / moderation_only
===========  ============================================================
article,     ``public``; ``members`` when the page (or an ancestor) is
page,        restricted to signed-in users. Pages restricted by password or
campaign     Wagtail group are not indexed. Campaigns only once published
             (``status`` != review).
thread       ``public``, or ``group:<id>`` in a members-only category of an
             interest group. ``moderation_only`` while its first post is
             hidden or waiting for approval.
post         like its thread; ``moderation_only`` when hidden, waiting for
             approval, or its thread is moderation-only.
group        ``public`` (interest groups are listed publicly).
===========  ============================================================

Objects are named by *refs* — ``"<app_label>.<model>:<pk>"`` — so a background
task can carry them as JSON and load the current state from the database.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator

from django.apps import apps
from django.conf import settings
from django.utils import timezone, translation

from search import text as textlib
from search.backends.base import MEMBERS, PUBLIC, IndexDocument, group_audience

logger = logging.getLogger(__name__)

PAGE = "wagtailcore.page"
PAGE_TREE = "wagtailcore.pagetree"  # a page and all its descendants (moves, view restrictions)
POST = "community.post"
THREAD = "community.thread"
CATEGORY = "community.category"
GROUP = "community.interestgroup"

# ref label -> document key prefix (labels without documents only cascade)
KEY_PREFIX = {PAGE: "page", PAGE_TREE: "page", POST: "post", THREAD: "thread", GROUP: "group"}

ARTICLE_PAGE_TYPES = {"content.articlepage"}
CAMPAIGN_PAGE_TYPES = {"campaigns.campaignpage"}
SKIPPED_PAGE_TYPES = {"content.homepage", "wagtailcore.page"}


def ref(obj_or_label, pk: int | None = None) -> str:
    if pk is None:
        obj = obj_or_label
        return f"{obj._meta.app_label}.{obj._meta.model_name}:{obj.pk}"
    return f"{obj_or_label}:{pk}"


def parse_ref(value: str) -> tuple[str, int]:
    label, _, pk = value.rpartition(":")
    return label, int(pk)


def key_for(label: str, pk: int) -> str | None:
    prefix = KEY_PREFIX.get(label)
    return f"{prefix}:{pk}" if prefix else None


def _model(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _as_datetime(value) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return timezone.make_aware(dt.datetime.combine(value, dt.time(12, 0)))
    return None


# -- pages ---------------------------------------------------------------------


def _page_text(page) -> str:
    """The text of a page from its Wagtail ``search_fields`` (title excluded)."""
    from modelsearch import index

    parts: list[str] = []
    for field in page.get_search_fields():
        if type(field) is not index.SearchField or field.field_name == "title":
            continue
        try:
            value = field.get_value(page)
        except Exception:  # a broken field must not stop indexing the rest
            logger.exception("search: could not read %s.%s", page.__class__.__name__, field.field_name)
            continue
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            parts.extend(str(v) for v in value if v)
        else:
            parts.append(str(value))
    return textlib.plain_text(" ".join(parts))


def _page_audience(page) -> str | None:
    """``public``/``members``, or None when the page is restricted further."""
    restrictions = page.get_view_restrictions()
    audience = PUBLIC
    for restriction in restrictions:
        if restriction.restriction_type == restriction.LOGIN:
            audience = MEMBERS
        else:  # password or Wagtail groups: not for the search index
            return None
    return audience


def _page_topics(page) -> tuple[int, ...]:
    label = page._meta.label_lower
    if label == "content.topicpage":
        return (page.pk,)
    if label in ARTICLE_PAGE_TYPES:
        return tuple(sorted(page.topics.values_list("pk", flat=True)))
    topic_id = getattr(page, "topic_id", None)
    return (topic_id,) if topic_id else ()


def page_document(page) -> IndexDocument | None:
    page = page.specific
    label = page._meta.label_lower
    if label in SKIPPED_PAGE_TYPES or page.depth <= 2:
        return None
    if not page.live or page.expired:
        return None
    if label in CAMPAIGN_PAGE_TYPES and getattr(page, "status", "review") == "review":
        return None
    audience = _page_audience(page)
    if audience is None:
        return None
    url = page.get_url()
    if not url:
        return None
    if label in ARTICLE_PAGE_TYPES:
        doc_type = "article"
        date = _as_datetime(getattr(page, "publication_date", None)) or page.first_published_at
    elif label in CAMPAIGN_PAGE_TYPES:
        doc_type = "campaign"
        date = page.first_published_at
    else:
        doc_type = "page"
        date = page.last_published_at or page.first_published_at
    return IndexDocument(
        key=f"page:{page.pk}",
        doc_type=doc_type,
        object_id=page.pk,
        title=page.title,
        body=_page_text(page),
        url=url,
        date=date,
        topic_ids=_page_topics(page),
        audience=audience,
        language=getattr(getattr(page, "locale", None), "language_code", "") or "",
        suggest=True,
    )


def iter_page_documents() -> Iterator[IndexDocument]:
    from wagtail.models import Page

    for page in Page.objects.live().filter(depth__gt=2).specific().iterator(chunk_size=200):
        doc = page_document(page)
        if doc is not None:
            yield doc


# -- forum -----------------------------------------------------------------------


def _category_audience(category) -> str:
    if getattr(category, "members_only", False) and category.group_id:
        return group_audience(category.group_id)
    return PUBLIC


def _category_topics(category) -> tuple[int, ...]:
    topic_id = getattr(category, "topic_id", None)
    return (topic_id,) if topic_id else ()


def _post_pending_or_hidden(post) -> bool:
    return bool(post.is_hidden or post.status != "approved")


def _post_text(post) -> str:
    return textlib.plain_text(post.body_html or post.body)


def thread_document(thread, first_post=None) -> IndexDocument:
    """``first_post``: the post numbered 1 (looked up when not given; may be None)."""
    if first_post is None:
        first_post = thread.posts.filter(number=1).first()
    body = ""
    moderation_only = False
    if first_post is not None:
        moderation_only = _post_pending_or_hidden(first_post) and not first_post.is_deleted
        if not first_post.is_deleted:
            body = _post_text(first_post)
    with translation.override(settings.LANGUAGE_CODE):
        url = thread.get_absolute_url()
    return IndexDocument(
        key=f"thread:{thread.pk}",
        doc_type="thread",
        object_id=thread.pk,
        title=thread.title,
        body=body,
        url=url,
        date=thread.created_at,
        topic_ids=_category_topics(thread.category),
        audience=_category_audience(thread.category),
        moderation_only=moderation_only,
        suggest=True,
    )


def post_document(post, thread_doc: IndexDocument | None = None) -> IndexDocument | None:
    """The first post is the thread's text (the thread document), so it has no document of its own."""
    if post.is_deleted or post.number == 1:
        return None
    thread = post.thread
    if thread_doc is None:
        thread_doc = thread_document(thread)
    with translation.override(settings.LANGUAGE_CODE):
        url = post.get_absolute_url()
    return IndexDocument(
        key=f"post:{post.pk}",
        doc_type="post",
        object_id=post.pk,
        title=thread.title,
        body=_post_text(post),
        url=url,
        date=post.created_at,
        topic_ids=thread_doc.topic_ids,
        audience=thread_doc.audience,
        moderation_only=_post_pending_or_hidden(post) or thread_doc.moderation_only,
        suggest=False,
    )


def thread_family_documents(threads: Iterable) -> Iterator[IndexDocument | tuple[str, None]]:
    """Documents of ``threads`` and all their posts; deleted posts yield ``(key, None)``.

    Costs three queries whatever the number of threads.
    """
    Post = _model(POST)
    threads = list(threads)
    if not threads or Post is None:
        return
    ids = [t.pk for t in threads]
    first_posts = {p.thread_id: p for p in Post.objects.filter(thread_id__in=ids, number=1)}
    thread_docs = {}
    for thread in threads:
        doc = thread_document(thread, first_post=first_posts.get(thread.pk))
        thread_docs[thread.pk] = doc
        yield doc
    by_id = {t.pk: t for t in threads}
    for post in Post.objects.filter(thread_id__in=ids).order_by("id").iterator(chunk_size=500):
        post.thread = by_id[post.thread_id]
        doc = post_document(post, thread_doc=thread_docs[post.thread_id])
        yield doc if doc is not None else (f"post:{post.pk}", None)


def iter_forum_documents() -> Iterator[IndexDocument]:
    Thread = _model(THREAD)
    if Thread is None:
        return
    batch = []
    for thread in Thread.objects.select_related("category").order_by("id").iterator(chunk_size=200):
        batch.append(thread)
        if len(batch) >= 200:
            yield from (d for d in thread_family_documents(batch) if isinstance(d, IndexDocument))
            batch = []
    yield from (d for d in thread_family_documents(batch) if isinstance(d, IndexDocument))


def group_document(group) -> IndexDocument:
    with translation.override(settings.LANGUAGE_CODE):
        url = group.get_absolute_url()
    return IndexDocument(
        key=f"group:{group.pk}",
        doc_type="group",
        object_id=group.pk,
        title=group.name,
        body=textlib.plain_text(group.description),
        url=url,
        date=group.created_at,
        topic_ids=_category_topics(group),
        audience=PUBLIC,
        suggest=True,
    )


def iter_group_documents() -> Iterator[IndexDocument]:
    InterestGroup = _model(GROUP)
    if InterestGroup is None:
        return
    for group in InterestGroup.objects.order_by("id").iterator(chunk_size=200):
        yield group_document(group)


def iter_all_documents() -> Iterator[IndexDocument]:
    """Everything that belongs in the index (for ``search_index --rebuild``)."""
    yield from iter_page_documents()
    yield from iter_forum_documents()
    yield from iter_group_documents()
