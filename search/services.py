"""Writes of the search app: bring the index in line with the database.

``sync(refs)`` loads the current state of each referenced object and indexes
its document, or deletes it when the object is gone or no longer searchable.
Changes that alter what other documents say about visibility cascade: a
category to its threads and posts, a thread (title, category, first post
hidden) to its posts, a page tree (move, view restriction) to its pages.

When the backend is unavailable the refs are kept in ``PendingIndexUpdate``
and retried (search/tasks.py); a later successful sync drains them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from search import documents as docs
from search.backends import get_backend
from search.backends.base import IndexDocument, SearchBackend, SearchUnavailable

logger = logging.getLogger(__name__)

# a thread's stored document differing in these fields means its posts must be resynced
_CASCADE_FIELDS = ("title", "audience", "moderation_only", "topic_ids", "url")


def _plan(refs: Iterable[str], backend: SearchBackend) -> tuple[dict[str, IndexDocument], set[str]]:
    """(documents to index by key, keys to delete) for ``refs``."""
    to_index: dict[str, IndexDocument] = {}
    to_delete: set[str] = set()

    def put(item):
        if isinstance(item, IndexDocument):
            to_index[item.key] = item
            to_delete.discard(item.key)
        else:
            key, _ = item
            to_delete.add(key)
            to_index.pop(key, None)

    for value in dict.fromkeys(refs):
        label, pk = docs.parse_ref(value)
        model = docs._model(label if label != docs.PAGE_TREE else docs.PAGE)
        if model is None:
            continue
        if label in (docs.PAGE, docs.PAGE_TREE):
            page = model.objects.filter(pk=pk).first()
            if page is None:
                put((f"page:{pk}", None))
                continue
            pages = [page] if label == docs.PAGE else list(model.objects.descendant_of(page, inclusive=True))
            for p in pages:
                doc = docs.page_document(p)
                put(doc if doc is not None else (f"page:{p.pk}", None))
        elif label == docs.GROUP:
            group = model.objects.filter(pk=pk).first()
            put(docs.group_document(group) if group is not None else (f"group:{pk}", None))
        elif label == docs.CATEGORY:
            Thread = docs._model(docs.THREAD)
            threads = Thread.objects.filter(category_id=pk).select_related("category")
            for item in docs.thread_family_documents(threads):
                put(item)
        elif label == docs.THREAD:
            thread = model.objects.filter(pk=pk).select_related("category").first()
            if thread is None:
                put((f"thread:{pk}", None))
                continue
            doc = docs.thread_document(thread)
            stored = backend.fetch([doc.key]).get(doc.key)
            if stored is None or any(getattr(stored, f) != getattr(doc, f) for f in _CASCADE_FIELDS):
                for item in docs.thread_family_documents([thread]):
                    put(item)
            else:
                put(doc)
        elif label == docs.POST:
            post = model.objects.filter(pk=pk).select_related("thread__category").first()
            if post is None:
                put((f"post:{pk}", None))
                continue
            if post.number == 1:
                # the first post is the thread's text and decides its moderation state
                thread_doc = docs.thread_document(post.thread, first_post=post)
                stored = backend.fetch([thread_doc.key]).get(thread_doc.key)
                if stored is None or any(getattr(stored, f) != getattr(thread_doc, f) for f in _CASCADE_FIELDS):
                    for item in docs.thread_family_documents([post.thread]):
                        put(item)
                    continue
                put(thread_doc)
            else:
                thread_doc = None
            doc = docs.post_document(post, thread_doc=thread_doc)
            put(doc if doc is not None else (f"post:{pk}", None))
    return to_index, to_delete


def sync(refs: Iterable[str], *, backend: SearchBackend | None = None) -> tuple[int, int]:
    """Index/delete the documents of ``refs``; returns (indexed, deleted).

    Raises SearchUnavailable when the backend cannot be reached.
    """
    backend = backend or get_backend()
    to_index, to_delete = _plan(list(refs), backend)
    if to_delete:
        backend.delete(sorted(to_delete))
    if to_index:
        backend.index(list(to_index.values()))
    return len(to_index), len(to_delete)


def record_pending(*, refs: Iterable[str], error: str) -> None:
    from search.models import PendingIndexUpdate

    now = timezone.now()
    with transaction.atomic():
        for value in dict.fromkeys(refs):
            obj, created = PendingIndexUpdate.objects.get_or_create(
                ref=value, defaults={"attempts": 1, "last_error": error[:300], "updated_at": now}
            )
            if not created:
                PendingIndexUpdate.objects.filter(pk=obj.pk).update(
                    attempts=obj.attempts + 1, last_error=error[:300], updated_at=now
                )


def clear_pending(*, refs: Iterable[str]) -> None:
    from search.models import PendingIndexUpdate

    PendingIndexUpdate.objects.filter(ref__in=list(refs)).delete()


def drain_pending(*, limit: int = 500, backend: SearchBackend | None = None) -> int:
    """Retry up to ``limit`` pending updates; returns how many were applied.

    Raises SearchUnavailable if the backend is still down (the rows stay).
    """
    from search.models import PendingIndexUpdate

    refs = list(PendingIndexUpdate.objects.order_by("created_at").values_list("ref", flat=True)[:limit])
    if not refs:
        return 0
    sync(refs, backend=backend)
    clear_pending(refs=refs)
    return len(refs)


def rebuild(*, backend: SearchBackend | None = None) -> int:
    """Rebuild the whole index from the database; returns the number of documents."""
    from search.models import PendingIndexUpdate

    backend = backend or get_backend()
    started = timezone.now()
    count = backend.rebuild(docs.iter_all_documents())
    # anything pending before the rebuild started is now covered by it
    PendingIndexUpdate.objects.filter(updated_at__lte=started).delete()
    return count


__all__ = ["sync", "record_pending", "clear_pending", "drain_pending", "rebuild", "SearchUnavailable"]
