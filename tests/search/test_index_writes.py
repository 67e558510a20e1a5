"""The database backend writes each document's row once, with its full text, in a constant number of statements.

PostgreSQL: the tsvector is computed by the INSERT/UPDATE that writes the row
(before, every row was inserted and then updated a second time, doubling the
table's dead versions on a rebuild); SQLite: one multi-row INSERT, then the
FTS5 rows. Both: the stored full text is the documented expression, and a
document indexed twice in one call keeps its last version.
"""

from __future__ import annotations

import dataclasses
import math
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from search import text as textlib
from search.backends.base import SearchRequest
from search.backends.database import DatabaseBackend
from search.models import SearchDocument, SearchDocumentTopic
from tests.search.test_backend_behaviour import ANONYMOUS, CORPUS, doc

pytestmark = pytest.mark.django_db


def _writes(queries) -> list[str]:
    """The write statements' verbs (Django logs an executemany() as "N times: <sql>")."""
    verbs = [re.sub(r"^\d+ times: ", "", q["sql"]).split()[0].upper() for q in queries.captured_queries]
    return [verb for verb in verbs if verb in ("INSERT", "UPDATE", "DELETE")]


def _many(n: int, start: int = 0):
    return [doc(f"post:{i}", "post", f"Beitrag {i} über Honorare", f"Text {i}: Künstlersozialkasse und Rente",
                topics=(1, 2) if i % 2 else ()) for i in range(start, start + n)]


def _batches(model, n: int, cap: int | None = None) -> int:
    """Multi-row INSERTs for n rows: ``cap`` a statement, fewer where the database limits parameters (SQLite:
    999 per statement)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    size = connection.ops.bulk_batch_size(fields, [None] * n)
    return math.ceil(n / min(cap or size, size))


def test_new_documents_are_inserted_in_batches_and_never_updated():
    backend = DatabaseBackend()
    counts = {}
    for n, start in ((10, 0), (1200, 1000)):
        with CaptureQueriesContext(connection) as queries:
            backend.index(_many(n, start))
        counts[n] = _writes(queries)
    fts5 = ["DELETE", "INSERT"] if connection.vendor == "sqlite" else []  # one executemany() each
    # documents: multi-row INSERTs; topics: one INSERT (new documents have none to delete); no UPDATE
    assert counts[10] == ["INSERT", "INSERT", *fts5]
    topics = _batches(SearchDocumentTopic, 1200)
    assert counts[1200] == ["INSERT"] * (_batches(SearchDocument, 1200, 500) + topics) + fts5
    if connection.vendor == "postgresql":
        assert counts[1200] == ["INSERT"] * 4
    assert SearchDocument.objects.count() == 1210
    assert SearchDocumentTopic.objects.count() == 5 * 2 + 600 * 2


def test_changed_documents_are_updated_once_each_with_their_new_text():
    backend = DatabaseBackend()
    backend.index(_many(3))
    changed = [dataclasses.replace(d, title=d.title.replace("Honorare", "Mindesthonorare")) for d in _many(3)]
    with CaptureQueriesContext(connection) as queries:
        backend.index(changed)
    assert _writes(queries).count("UPDATE") == 3
    assert _writes(queries).count("INSERT") == 1 + (1 if connection.vendor == "sqlite" else 0)  # topics (+ FTS5)
    hits = backend.search(SearchRequest(text="Mindesthonorare", viewer=ANONYMOUS, per_page=10))
    assert sorted(hit.key for hit in hits.hits) == ["post:0", "post:1", "post:2"]


def test_a_key_given_twice_keeps_its_last_version():
    backend = DatabaseBackend()
    first = doc("post:7", "post", "Erste Fassung", "Altes Wort Kaffeemaschine")
    last = doc("post:7", "post", "Zweite Fassung", "Neues Wort Steuerberatung")
    backend.index([first, last])
    assert list(SearchDocument.objects.values_list("key", "title")) == [("post:7", "Zweite Fassung")]
    assert [h.key for h in backend.search(SearchRequest(text="Steuerberatung", viewer=ANONYMOUS)).hits] == ["post:7"]
    assert backend.search(SearchRequest(text="Kaffeemaschine", viewer=ANONYMOUS)).total == 0


def test_postgresql_stores_the_documented_weighted_vector(postgres):
    backend = DatabaseBackend()
    backend.index(CORPUS)
    rows = list(SearchDocument.objects.values_list("id", "title", "body"))
    assert rows
    with connection.cursor() as cursor:
        for pk, title, body in rows:
            cursor.execute(
                "SELECT search_vector = setweight(to_tsvector('german', %s), 'A') "
                "|| setweight(to_tsvector('german', %s), 'B') FROM search_searchdocument WHERE id = %s",
                [textlib.fold(title), textlib.fold(body), pk],
            )
            assert cursor.fetchone()[0] is True, title
