"""Listen to the other apps' changes and enqueue index updates after commit.

Nobody imports ``search``: ``SearchConfig.ready()`` connects these receivers.
Within one transaction all changed objects are collected and handed to one
``update_index`` task when it commits (nothing is enqueued for a rollback's
changes: the task reloads the committed state anyway, so a stale ref is
harmless).
"""

from __future__ import annotations

import logging
import threading

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from search import documents as docs

logger = logging.getLogger(__name__)

_local = threading.local()


def _pending() -> set[str]:
    if not hasattr(_local, "refs"):
        _local.refs = set()
    return _local.refs


def _flush() -> None:
    refs = sorted(_pending())
    _pending().clear()
    if not refs:
        return
    from search.tasks import update_index

    try:
        update_index.enqueue(refs)
    except Exception:  # enqueueing must never break the write that already committed
        logger.exception("search: could not enqueue an index update for %s refs", len(refs))


def enqueue(*refs: str) -> None:
    """Schedule an index update for ``refs`` after the current transaction commits."""
    _pending().update(refs)
    transaction.on_commit(_flush, robust=True)


# -- receivers -------------------------------------------------------------------


def _on_forum_change(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    enqueue(docs.ref(instance))


def _on_moderation_logged(sender, instance, created=False, **kwargs):
    """Moderation actions that use queryset updates (e.g. moving a thread) send no post_save for the thread."""
    if kwargs.get("raw") or not created:
        return
    refs = []
    if instance.thread_id:
        refs.append(docs.ref(docs.THREAD, instance.thread_id))
    if instance.post_id:
        refs.append(docs.ref(docs.POST, instance.post_id))
    if refs:
        enqueue(*refs)


def _on_page_change(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    enqueue(docs.ref(docs.PAGE, instance.pk))


def _on_page_tree_change(sender, instance, **kwargs):
    enqueue(docs.ref(docs.PAGE_TREE, instance.pk))


def _on_view_restriction_change(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    if instance.page_id:
        enqueue(docs.ref(docs.PAGE_TREE, instance.page_id))


def connect() -> None:
    from django.apps import apps
    from wagtail.models import Page, PageViewRestriction, get_page_models
    from wagtail.signals import page_published, page_unpublished, post_page_move

    for label in (docs.POST, docs.THREAD, docs.CATEGORY, docs.GROUP):
        try:
            model = apps.get_model(label)
        except LookupError:  # the forum app has not defined it (yet)
            continue
        post_save.connect(_on_forum_change, sender=model, dispatch_uid=f"search-save-{label}")
        post_delete.connect(_on_forum_change, sender=model, dispatch_uid=f"search-delete-{label}")

    try:
        post_save.connect(
            _on_moderation_logged, sender=apps.get_model("community.moderationlog"), dispatch_uid="search-modlog"
        )
    except LookupError:
        pass

    page_published.connect(_on_page_change, dispatch_uid="search-page-published")
    page_unpublished.connect(_on_page_change, dispatch_uid="search-page-unpublished")
    post_page_move.connect(_on_page_tree_change, dispatch_uid="search-page-moved")
    for model in {Page, *get_page_models()}:
        post_delete.connect(_on_page_change, sender=model, dispatch_uid=f"search-delete-{model._meta.label_lower}")
    post_save.connect(_on_view_restriction_change, sender=PageViewRestriction, dispatch_uid="search-restriction-save")
    post_delete.connect(
        _on_view_restriction_change, sender=PageViewRestriction, dispatch_uid="search-restriction-delete"
    )
