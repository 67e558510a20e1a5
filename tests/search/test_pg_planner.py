"""PostgreSQL: the search statement's planner settings stay inside its own transaction.

The database backend lowers ``parallel_setup_cost``/``parallel_tuple_cost``
for the search statement (so broad one-word queries are scanned in parallel,
docs/search.md "Performance") with ``set_config(…, true)``: the connection's
other queries keep the server's settings, and results are the same with and
without the change.
"""

from __future__ import annotations

import pytest
from django.db import connection

from search.backends.base import SearchRequest
from search.backends.database import DatabaseBackend
from tests.search.test_backend_behaviour import ANONYMOUS, CORPUS

pytestmark = pytest.mark.django_db


def _show(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def _search(backend, text):
    results = backend.search(SearchRequest(text=text, viewer=ANONYMOUS, per_page=50))
    return [hit.key for hit in results.hits], results.total, results.type_counts, results.topic_counts


def test_planner_settings_are_local_to_the_search_and_change_no_result(postgres, settings):
    from django.test.utils import CaptureQueriesContext

    backend = DatabaseBackend()
    backend.index(CORPUS)
    before = _show("parallel_setup_cost"), _show("parallel_tuple_cost")
    with CaptureQueriesContext(connection) as queries:
        tuned = [_search(backend, text) for text in ("Honorar", "Honorare Selbstständige", "Gründerzuschuss")]
    assert any("set_config('parallel_setup_cost', '100', true)" in q["sql"] for q in queries.captured_queries)
    assert (_show("parallel_setup_cost"), _show("parallel_tuple_cost")) == before  # nothing leaked

    settings.HDS_SEARCH_PG_PARALLEL = {}
    with CaptureQueriesContext(connection) as queries:
        plain = [_search(backend, text) for text in ("Honorar", "Honorare Selbstständige", "Gründerzuschuss")]
    assert not any("set_config" in q["sql"] for q in queries.captured_queries)
    assert tuned == plain
    assert tuned[0][1] > 0 and tuned[1][1] > 0 and tuned[2][1] == 1
