"""Fixtures for the search suite.

``search_backend`` is parametrised over the backends: ``database`` always
runs (SQLite with ``make test``, PostgreSQL with DATABASE_URL); the
``elasticsearch`` variant runs only when ELASTICSEARCH_URL is set. CI has no
Elasticsearch server (none can be installed there), so that skip is the one
legitimate skip of this suite and does not fail under CI=true; mappings,
analysers and query bodies are covered as data in test_elasticsearch_data.py.
"""

from __future__ import annotations

import os
import uuid

import pytest

ES_URL = os.environ.get("ELASTICSEARCH_URL", "").strip()


@pytest.fixture(params=["database", "elasticsearch"])
def search_backend(request, settings, db):
    from search.backends import get_backend

    if request.param == "elasticsearch":
        if not ES_URL:
            pytest.skip("the Elasticsearch variant runs only with ELASTICSEARCH_URL (see docs/search.md)")
        settings.HDS_SEARCH_BACKEND = "elasticsearch"
        settings.ELASTICSEARCH_URL = ES_URL
        settings.HDS_SEARCH_INDEX = f"hds-test-{uuid.uuid4().hex[:10]}"
        settings.HDS_SEARCH_REFRESH = True
        backend = get_backend()
        yield backend
        # wildcard deletes are refused by default (action.destructive_requires_name): name each index
        for name in backend.client.indices.get(index=f"{settings.HDS_SEARCH_INDEX}-*").body:
            backend.client.indices.delete(index=name)
    else:
        settings.HDS_SEARCH_BACKEND = "database"
        yield get_backend()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run after-commit callbacks (index updates) of the block when it ends."""

    def runner():
        return django_capture_on_commit_callbacks(execute=True)

    return runner
