"""The embedded default: full-text search in the project's own database.

Text is folded and (for SQLite) stemmed in Python by ``search.text``, the same
way for documents and queries:

* PostgreSQL: ``SearchDocument.search_vector`` =
  ``setweight(to_tsvector('german', fold(title)), 'A') || setweight(to_tsvector('german', fold(body)), 'B')``
  with a GIN index; queries are ``plainto_tsquery('german', fold(term))``
  combined with AND/OR, ranked with ``ts_rank``.
* SQLite: the FTS5 table ``search_fts`` holds ``analyze(title)`` /
  ``analyze(body)`` (folded, stop words dropped, Snowball German stems);
  queries match the stems of the query words, ranked with ``bm25`` (title
  weighted 4x).

Permissions, type and topic filters and the facet counts are plain SQL on
``SearchDocument`` around the full-text match, so a page of results costs a
constant number of queries. Snippets are cut and highlighted in Python
(``search.text.highlight``) on the original text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from search import text as textlib
from search.backends.base import (
    Hit,
    IndexDocument,
    SearchBackend,
    SearchRequest,
    SearchResults,
    SearchUnavailable,
    Suggestion,
    Viewer,
)

_SAFE_TERM = re.compile(r"[^0-9a-z]")
BODY_LIMIT = 100_000
# a typed last word this long is also matched by its stem in suggestions ("honorare" → "honorar*");
# shorter ones are prefixes still being typed and only match as typed ("kuns" must not become "kun*")
STEM_PREFIX_MIN = 6

#: the document's tsvector from its folded title and body (module docstring)
PG_VECTOR_SQL = "setweight(to_tsvector('german', %s), 'A') || setweight(to_tsvector('german', %s), 'B')"

#: planner settings for the search statement's transaction on PostgreSQL (``settings.HDS_SEARCH_PG_PARALLEL``
#: overrides, ``{}`` turns it off): with the defaults (1000 / 0.1) PostgreSQL scans a broad word's 60,000
#: matches in one process rather than pass them through a Gather (docs/search.md "Performance")
PG_PARALLEL = {"parallel_setup_cost": 100, "parallel_tuple_cost": 0.01}


class DatabaseBackend(SearchBackend):
    name = "database"

    def __init__(self, options: dict | None = None):
        self.options = options or {}

    # -- helpers ------------------------------------------------------------

    @staticmethod
    def _vendor() -> str:
        return connection.vendor

    def _models(self):
        from search.models import SearchDocument, SearchDocumentTopic

        return SearchDocument, SearchDocumentTopic

    @staticmethod
    def _search_vector(title: str, body: str) -> RawSQL:
        """PostgreSQL: the document's tsvector, computed by the same UPDATE that writes the row."""
        return RawSQL(PG_VECTOR_SQL, (textlib.fold(title), textlib.fold(body)), output_field=SearchVectorField())  # noqa: S611 — constant SQL, values as parameters

    def _insert_with_vectors(self, documents: list) -> dict[str, int]:
        """PostgreSQL: unsaved SearchDocuments in multi-row INSERTs of 500, each row with its tsvector; key → id.

        Plain SQL rather than ``bulk_create`` with an expression per row: compiling 500 ``SearchVector``
        expressions per statement cost Django more time than PostgreSQL needed for the whole INSERT.
        """
        if not documents:
            return {}
        meta = documents[0]._meta
        fields = [f for f in meta.concrete_fields if not f.primary_key and f.name != "search_vector"]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        row_sql = "(" + ", ".join(["%s"] * len(fields)) + ", " + PG_VECTOR_SQL + ")"
        ids: dict[str, int] = {}
        with connection.cursor() as cursor:
            for start in range(0, len(documents), 500):
                batch = documents[start : start + 500]
                params: list = []
                for document in batch:
                    params += [f.get_db_prep_save(getattr(document, f.attname), connection) for f in fields]
                    params += [textlib.fold(document.title), textlib.fold(document.body)]
                cursor.execute(
                    f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}, search_vector) "  # noqa: S608 — quoted identifiers and placeholders; values as parameters
                    f"VALUES {', '.join([row_sql] * len(batch))} RETURNING key, id",
                    params,
                )
                ids.update(cursor.fetchall())
        return ids

    def _write_fulltext(self, rows: list[tuple[int, str, str]]) -> None:
        """SQLite: the FTS5 rows of documents just written; rows: (id, title, body)."""
        if not rows or self._vendor() != "sqlite":
            return
        with connection.cursor() as cursor:
            cursor.executemany("DELETE FROM search_fts WHERE rowid = %s", [(pk,) for pk, _, _ in rows])
            cursor.executemany(
                "INSERT INTO search_fts (rowid, title, body) VALUES (%s, %s, %s)",
                [(pk, " ".join(textlib.analyze(title)), " ".join(textlib.analyze(body))) for pk, title, body in rows],
            )

    def _delete_fulltext(self, ids: list[int]) -> None:
        if ids and self._vendor() == "sqlite":
            with connection.cursor() as cursor:
                cursor.executemany("DELETE FROM search_fts WHERE rowid = %s", [(pk,) for pk in ids])

    # -- writing --------------------------------------------------------------

    def index(self, documents: Iterable[IndexDocument]) -> None:
        """Insert or update each document's row once: new rows in multi-row INSERTs (500 a statement), each changed
        row in one UPDATE; on PostgreSQL the tsvector is part of that statement (no second write of the row)."""
        SearchDocument, SearchDocumentTopic = self._models()
        documents = list({doc.key: doc for doc in documents}.values())  # a key given twice: the last version
        if not documents:
            return
        postgresql = self._vendor() == "postgresql"
        now = timezone.now()
        with transaction.atomic():
            existing = dict(
                SearchDocument.objects.filter(key__in=[d.key for d in documents]).values_list("key", "id")
            )
            new, fulltext = [], []
            for doc in documents:
                values = {
                    "doc_type": doc.doc_type,
                    "object_id": doc.object_id,
                    "title": doc.title[:300],
                    "body": doc.body[:BODY_LIMIT],
                    "url": doc.url[:500],
                    "date": doc.date,
                    "topic_ids": list(doc.topic_ids),
                    "audience": doc.audience,
                    "moderation_only": doc.moderation_only,
                    "language": doc.language,
                    "suggest": doc.suggest,
                    "indexed_at": now,
                }
                pk = existing.get(doc.key)
                if pk is None:
                    new.append(SearchDocument(key=doc.key, **values))
                    continue
                if postgresql:
                    values["search_vector"] = self._search_vector(values["title"], values["body"])
                SearchDocument.objects.filter(pk=pk).update(**values)
                fulltext.append((pk, values["title"], values["body"]))
            if postgresql:
                existing.update(self._insert_with_vectors(new))
            else:
                for row in SearchDocument.objects.bulk_create(new, batch_size=500):
                    existing[row.key] = row.pk  # RETURNING id (SQLite ≥ 3.35)
                    fulltext.append((row.pk, row.title, row.body))
            ids = [existing[d.key] for d in documents]
            SearchDocumentTopic.objects.filter(document_id__in=ids).delete()
            SearchDocumentTopic.objects.bulk_create(
                [
                    SearchDocumentTopic(document_id=existing[d.key], topic_id=topic_id)
                    for d in documents
                    for topic_id in set(d.topic_ids)
                ]
            )
            self._write_fulltext(fulltext)

    def delete(self, keys: Iterable[str]) -> None:
        SearchDocument, _ = self._models()
        keys = list(keys)
        if not keys:
            return
        with transaction.atomic():
            ids = list(SearchDocument.objects.filter(key__in=keys).values_list("id", flat=True))
            SearchDocument.objects.filter(id__in=ids).delete()
            self._delete_fulltext(ids)

    def rebuild(self, documents: Iterable[IndexDocument]) -> int:
        SearchDocument, _ = self._models()
        count = 0
        with transaction.atomic():
            SearchDocument.objects.all().delete()
            if self._vendor() == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("DELETE FROM search_fts")
            batch: list[IndexDocument] = []
            for doc in documents:
                batch.append(doc)
                if len(batch) >= 500:
                    self.index(batch)
                    count += len(batch)
                    batch = []
            self.index(batch)
            count += len(batch)
        return count

    def stored_keys(self, prefix: str) -> set[str]:
        SearchDocument, _ = self._models()
        return set(SearchDocument.objects.filter(key__startswith=prefix).values_list("key", flat=True))

    def fetch(self, keys: Iterable[str]) -> dict[str, IndexDocument]:
        SearchDocument, _ = self._models()
        return {
            row.key: IndexDocument(
                key=row.key,
                doc_type=row.doc_type,
                object_id=row.object_id,
                title=row.title,
                body=row.body,
                url=row.url,
                date=row.date,
                topic_ids=tuple(row.topic_ids or ()),
                audience=row.audience,
                moderation_only=row.moderation_only,
                language=row.language,
                suggest=row.suggest,
            )
            for row in SearchDocument.objects.filter(key__in=list(keys)).defer("search_vector")
        }

    # -- reading --------------------------------------------------------------

    def _visible(self, viewer: Viewer) -> QuerySet:
        SearchDocument, _ = self._models()
        qs = SearchDocument.objects.defer("search_vector")
        if not viewer.all_audiences:
            qs = qs.filter(audience__in=sorted(viewer.audiences))
        if not viewer.moderation:
            qs = qs.filter(moderation_only=False)
        return qs

    def _match(self, qs: QuerySet, terms: list[str], operator: str) -> QuerySet:
        """Restrict ``qs`` to full-text matches of the folded ``terms`` and annotate ``rank``."""
        vendor = self._vendor()
        if vendor == "postgresql":
            query = None
            for term in terms:
                part = SearchQuery(term, config="german", search_type="plain")
                query = part if query is None else (query & part if operator == "and" else query | part)
            return qs.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))
        if vendor == "sqlite":
            stems = sorted({textlib.stem(t) for t in terms})
            match = (" AND " if operator == "and" else " OR ").join(f'"{s}"' for s in stems)
            return qs.filter(id__in=RawSQL("SELECT rowid FROM search_fts WHERE search_fts MATCH %s", [match])).annotate(
                # bm25 is lower for better matches: negate so "higher is better" holds for both vendors
                rank=RawSQL(
                    "(SELECT -bm25(search_fts, 4.0, 1.0) FROM search_fts "
                    "WHERE search_fts MATCH %s AND search_fts.rowid = search_searchdocument.id)",
                    [match],
                )
            )
        raise SearchUnavailable(f"the database backend does not support {vendor}")

    def search(self, request: SearchRequest) -> SearchResults:
        terms = textlib.query_terms(request.text)
        if not terms:
            return SearchResults(hits=[], total=0)
        if self._vendor() == "postgresql":
            return self._search_postgresql(request, terms)
        _, SearchDocumentTopic = self._models()
        matched = self._match(self._visible(request.viewer), terms, request.operator)

        type_q = Q(doc_type__in=list(request.doc_types)) if request.doc_types else Q()
        topic_q = (
            Q(id__in=SearchDocumentTopic.objects.filter(topic_id__in=list(request.topic_ids)).values("document_id"))
            if request.topic_ids
            else Q()
        )
        type_counts = {
            row["doc_type"]: row["n"]
            for row in matched.filter(topic_q).order_by().values("doc_type").annotate(n=Count("id"))
        }
        topic_counts = {
            row["topic_id"]: row["n"]
            for row in SearchDocumentTopic.objects.filter(
                document_id__in=matched.filter(type_q).order_by().values("id")
            )
            .values("topic_id")
            .annotate(n=Count("id"))
        }
        results = matched.filter(type_q).filter(topic_q)
        total = sum(type_counts.get(t, 0) for t in request.doc_types) if request.doc_types else sum(type_counts.values())
        offset = max(0, (request.page - 1) * request.per_page)
        rows = list(results.order_by("-rank", F("date").desc(nulls_last=True), "-id")[offset : offset + request.per_page])
        hits = [
            self._hit(request, row.key, row.doc_type, row.object_id, row.title, row.body, row.url, row.date,
                      row.topic_ids, row.rank, row.moderation_only)
            for row in rows
        ]
        return SearchResults(hits=hits, total=total, type_counts=type_counts, topic_counts=topic_counts)

    @staticmethod
    def _hit(request, key, doc_type, object_id, title, body, url, date, topic_ids, rank, moderation_only) -> Hit:
        return Hit(
            key=key,
            doc_type=doc_type,
            object_id=object_id,
            title=textlib.highlight(title, request.text, size=300),
            snippet=textlib.highlight(body, request.text),
            url=url,
            date=date,
            topic_ids=tuple(topic_ids or ()),
            score=float(rank or 0),
            moderation_only=moderation_only,
        )

    def _search_postgresql(self, request: SearchRequest, terms: list[str]) -> SearchResults:
        """One statement, one full-text match: the same results, facets and page as the ORM path.

        The matching documents (id, type, date, rank, whether they have topics) are computed once
        into a MATERIALIZED CTE; the type counts (topic filter applied), the topic counts (type
        filter applied) and the ranked page (both filters) are read from it. The ORM path ran the
        match three times; at 100,000 documents that cost about 2.2x the bare ranked query
        (bench/search.py).

        Two details keep the work per matching document small (EXPLAIN ANALYZE on the bench data,
        docs/search.md "Performance"):

        * several terms: the tsquery is built in a subquery with ``OFFSET 0``, which the planner
          cannot fold into a constant: it then reads the matches through the GIN index (bitmap
          heap scan, the terms' bitmaps ANDed, only the pages and rows that match) instead of a
          sequential scan testing ``@@`` on every row, which its multiplied per-term estimates
          often pick;
        * one term: the planner sees the constant tsquery, so its estimate comes from the column
          statistics, and the statement runs with ``parallel_setup_cost``/``parallel_tuple_cost``
          lowered for its transaction (``HDS_SEARCH_PG_PARALLEL``): a word in half of all
          documents is then scanned by parallel workers inside the CTE, as the bare ranked query
          is, instead of by one process (PostgreSQL's defaults price moving 60,000 matches
          through a Gather above a serial scan);
        * only matches that have topics (``topic_ids <> '[]'``, written together with
          ``search_searchdocumenttopic`` by ``index()``) are joined to the topic table for the
          topic counts, instead of sorting every match by id for a merge join.
        """
        viewer = request.viewer
        params: list = []
        tsquery = (" && " if request.operator == "and" else " || ").join(
            ["plainto_tsquery('german'::regconfig, %s)"] * len(terms)
        )
        params.extend(terms)
        visible = ""
        if not viewer.all_audiences:
            visible += " AND d.audience = ANY(%s)"
            params.append(sorted(viewer.audiences))
        if not viewer.moderation:
            visible += " AND NOT d.moderation_only"
        topic_cte, topic_cond, type_cond = "", "TRUE", "TRUE"
        if request.topic_ids:
            topic_cte = (
                ", tf AS (SELECT DISTINCT document_id FROM search_searchdocumenttopic WHERE topic_id = ANY(%s))"
            )
            params.append([int(t) for t in request.topic_ids])
            topic_cond = "m.id IN (SELECT document_id FROM tf)"
        type_params: list = []
        if request.doc_types:
            type_cond = "m.doc_type = ANY(%s)"
            type_params = [list(request.doc_types)]
        offset = max(0, (request.page - 1) * request.per_page)
        fold = " OFFSET 0" if len(terms) > 1 else ""
        sql = f"""
            WITH m AS MATERIALIZED (
                SELECT d.id, d.doc_type, d.date, ts_rank(d.search_vector, q.q) AS rank,
                       d.topic_ids <> '[]'::jsonb AS has_topics
                FROM search_searchdocument d, (SELECT {tsquery} AS q{fold}) q
                WHERE d.search_vector @@ q.q{visible}
            ){topic_cte},
            tc AS (
                SELECT coalesce(json_object_agg(doc_type, n), '{{}}')::text AS v
                FROM (SELECT m.doc_type, count(*) AS n FROM m WHERE {topic_cond} GROUP BY m.doc_type) x
            ),
            pc AS (
                SELECT coalesce(json_object_agg(topic_id, n), '{{}}')::text AS v
                FROM (
                    SELECT t.topic_id, count(*) AS n
                    FROM m JOIN search_searchdocumenttopic t ON t.document_id = m.id
                    WHERE m.has_topics AND {type_cond} GROUP BY t.topic_id
                ) y
            ),
            p AS (
                SELECT m.id, m.rank FROM m WHERE {type_cond} AND {topic_cond}
                ORDER BY m.rank DESC, m.date DESC NULLS LAST, m.id DESC
                LIMIT %s OFFSET %s
            )
            SELECT tc.v, pc.v, d.key, d.doc_type, d.object_id, d.title, d.body, d.url, d.date,
                   d.topic_ids::text, p.rank, d.moderation_only
            FROM tc CROSS JOIN pc
            LEFT JOIN (p JOIN search_searchdocument d ON d.id = p.id) ON TRUE
            ORDER BY p.rank DESC, d.date DESC NULLS LAST, d.id DESC
        """  # noqa: S608 — the f-string adds only fixed SQL fragments and placeholders; values are parameters
        params += type_params + type_params + [request.per_page, offset]
        planner = sorted(getattr(settings, "HDS_SEARCH_PG_PARALLEL", PG_PARALLEL).items())
        inside_outer = connection.in_atomic_block
        with transaction.atomic(), connection.cursor() as cursor:
            if planner:
                # for this transaction only (set_config(…, true) = SET LOCAL); the previous values first
                names = [name for name, _ in planner]
                cursor.execute(
                    "SELECT " + ", ".join(["current_setting(%s)"] * len(names)) + ", "
                    + ", ".join(["set_config(%s, %s, true)"] * len(planner)),
                    [*names, *[value for name, setting in planner for value in (name, str(setting))]],
                )
                previous = cursor.fetchone()[: len(names)]
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            if planner and inside_outer:
                # the caller's transaction goes on: its later queries get the settings they had
                cursor.execute(
                    "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(names)),
                    [value for pair in zip(names, previous, strict=False) for value in pair],
                )
        type_counts = {k: int(v) for k, v in json.loads(rows[0][0]).items()}
        topic_counts = {int(k): int(v) for k, v in json.loads(rows[0][1]).items()}
        hits = [
            self._hit(request, key, doc_type, object_id, title, body, url, date, json.loads(topic_ids or "[]"),
                      rank, moderation_only)
            for _, _, key, doc_type, object_id, title, body, url, date, topic_ids, rank, moderation_only in rows
            if key is not None
        ]
        total = sum(type_counts.get(t, 0) for t in request.doc_types) if request.doc_types else sum(type_counts.values())
        return SearchResults(hits=hits, total=total, type_counts=type_counts, topic_counts=topic_counts)

    def suggest(self, text: str, viewer: Viewer, *, limit: int = 8) -> list[Suggestion]:
        all_words = textlib.words(text)
        if not all_words:
            return []
        last = _SAFE_TERM.sub("", all_words[-1])
        head = [_SAFE_TERM.sub("", w) for w in all_words[:-1] if w not in textlib.STOP_WORDS]
        head = [w for w in head if w]
        if not last:
            return []
        qs = self._visible(viewer).filter(suggest=True)
        vendor = self._vendor()
        if vendor == "postgresql":
            # the typed prefix unstemmed ("kuns" must not become "kun"); complete words also stemmed
            query = SearchQuery(f"{last}:*A", config="simple", search_type="raw")
            if len(last) >= STEM_PREFIX_MIN:
                query = query | SearchQuery(f"{last}:*A", config="german", search_type="raw")
            if head:
                query = SearchQuery(" & ".join(f"{w}:A" for w in head), config="german", search_type="raw") & query
            qs = qs.filter(search_vector=query)
        elif vendor == "sqlite":
            stems = [textlib.stem(w) for w in head]
            last_stem = textlib.stem(last)
            last_clause = f'("{last}" * OR "{last_stem}" *)' if len(last) >= STEM_PREFIX_MIN else f'"{last}" *'
            clauses = [f'"{s}"' for s in stems] + [last_clause]
            match = "title : (" + " AND ".join(clauses) + ")"
            qs = qs.filter(id__in=RawSQL("SELECT rowid FROM search_fts WHERE search_fts MATCH %s", [match]))
        else:
            return []
        rows = qs.order_by(F("date").desc(nulls_last=True), "-id").values_list("title", "url", "doc_type")[:limit]
        return [Suggestion(title=t, url=u, doc_type=d) for t, u, d in rows]

    def vocabulary(self, viewer: Viewer, *, limit: int = 2000) -> list[str]:
        titles = self._visible(viewer).filter(suggest=True).order_by("-id").values_list("title", flat=True)[:limit]
        return textlib.title_vocabulary(titles)
