"""Background index updates (django-tasks).

``update_index(refs)`` is enqueued after commit by search/signals.py. If the
search backend is unavailable the write that triggered it has already
succeeded; the task logs a warning, records the refs in
``PendingIndexUpdate`` and retries with exponential backoff (10 s, 20 s, 40 s,
80 s) where the task backend supports deferred runs (django-tasks-db's
database backend does: ``run_after``). django-tasks has no built-in retry, so
this is done by re-enqueueing. Where deferring is not supported (the
immediate backend used in development and tests) and after the last attempt,
the refs stay pending: the next successful update drains them, and so does
``manage.py search_index --retry-pending`` (run it from the scheduler).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import task

from search import services
from search.backends.base import SearchUnavailable

logger = logging.getLogger("search.tasks")

MAX_ATTEMPTS = 5
BASE_DELAY_SECONDS = 10


@task()
def update_index(refs: list[str], attempt: int = 1) -> dict:
    try:
        indexed, deleted = services.sync(refs)
    except SearchUnavailable as exc:
        services.record_pending(refs=refs, error=str(exc) or exc.__class__.__name__)
        logger.warning(
            "search index update failed (attempt %s/%s, %s refs): %s", attempt, MAX_ATTEMPTS, len(refs), exc
        )
        retry_at = _schedule_retry(refs, attempt)
        return {"status": "unavailable", "attempt": attempt, "retry_at": retry_at}
    services.clear_pending(refs=refs)
    drained = 0
    try:
        drained = services.drain_pending(limit=200)
    except SearchUnavailable:  # pragma: no cover - the backend went away between two calls
        pass
    return {"status": "ok", "indexed": indexed, "deleted": deleted, "drained": drained}


def _schedule_retry(refs: list[str], attempt: int) -> str | None:
    if attempt >= MAX_ATTEMPTS:
        logger.error(
            "search index update gave up after %s attempts; %s refs stay pending for `search_index --retry-pending`",
            attempt,
            len(refs),
        )
        return None
    if not update_index.get_backend().supports_defer:
        logger.warning("task backend cannot defer: %s refs stay pending until the next successful update", len(refs))
        return None
    run_after = timezone.now() + dt.timedelta(seconds=BASE_DELAY_SECONDS * 2 ** (attempt - 1))
    update_index.using(run_after=run_after).enqueue(refs, attempt + 1)
    return run_after.isoformat()
