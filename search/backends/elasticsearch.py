"""Elasticsearch 8/9 through ``elasticsearch.dsl`` (part of the official client since 8.18).

Chosen when ``ELASTICSEARCH_URL`` is set (``HDS_SEARCH_BACKEND = "elasticsearch"``).

* Mapping: ``SearchDoc`` below. ``title`` and ``body`` are copied into
  ``content``; all three use the ``hds_german`` analyser: standard tokenizer →
  lowercase → German stop words → ``german_normalization`` (ä/ae → a, ß → ss …)
  → ``dictionary_decompounder`` with a small shipped word list
  (search/data/decompound_de.txt: "Gründerzuschuss" also yields "grunder" and
  "zuschuss") → ``asciifolding`` → ``light_german`` stemmer.
  ``suggest`` is a completion field (folding analyser) with an ``audience``
  category context, so suggestions respect permissions.
* Queries: ``match`` on ``content`` (every term, or any term when relaxed)
  with ``fuzziness: AUTO`` for typo tolerance, boosted by matches in the
  title; the permission filter goes into ``bool.filter``; type and topic
  filters into ``post_filter`` so the facet aggregations (``terms`` inside a
  ``filter`` aggregation carrying the *other* filter) count disjunctively;
  highlighting with private-use marker characters as tags, which
  ``search.text.render_snippet`` turns into <mark> after escaping.
* Indices live behind the alias ``settings.HDS_SEARCH_INDEX`` (default
  ``hds-search``). ``rebuild()`` creates ``<alias>-<timestamp>``, bulk-loads
  it, atomically moves the alias and deletes the old index. While a rebuild
  runs, incremental updates are written to the alias *and* the new index
  (the name is kept in the cache), so nothing is lost at the swap.

Every transport or API error becomes ``SearchUnavailable``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError
from elasticsearch.dsl import (
    Boolean,
    Completion,
    Date,
    Document,
    Index,
    Keyword,
    Long,
    Q,
    Search,
    Text,
    analyzer,
    token_filter,
)
from elasticsearch.helpers import BulkIndexError, bulk

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

DECOMPOUND_WORDS = [
    line.strip()
    for line in (Path(__file__).resolve().parent.parent / "data" / "decompound_de.txt").read_text("utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]

german_stop = token_filter("hds_german_stop", type="stop", stopwords="_german_")
german_decompound = token_filter(
    "hds_german_decompound",
    type="dictionary_decompounder",
    word_list=DECOMPOUND_WORDS,
    min_subword_size=4,
    only_longest_match=True,
)
german_stemmer = token_filter("hds_german_stemmer", type="stemmer", language="light_german")

hds_german = analyzer(
    "hds_german",
    tokenizer="standard",
    filter=["lowercase", german_stop, "german_normalization", german_decompound, "asciifolding", german_stemmer],
)
hds_folding = analyzer(
    "hds_folding", tokenizer="standard", filter=["lowercase", "german_normalization", "asciifolding"]
)

HIGHLIGHT_SIZE = 240


class SearchDoc(Document):
    key = Keyword()
    doc_type = Keyword()
    object_id = Long()
    title = Text(analyzer=hds_german, copy_to="content")
    body = Text(analyzer=hds_german, copy_to="content")
    content = Text(analyzer=hds_german)
    url = Keyword(index=False)
    date = Date()
    topic_ids = Long()
    audience = Keyword()
    moderation_only = Boolean()
    language = Keyword()
    suggest = Completion(
        analyzer=hds_folding,
        contexts=[{"name": "audience", "type": "category", "path": "audience"}],
    )


def build_index(name: str) -> Index:
    index = Index(name)
    index.settings(number_of_shards=1, number_of_replicas=int(getattr(settings, "HDS_SEARCH_REPLICAS", 0)))
    index.document(SearchDoc)
    return index


def suggest_inputs(title: str) -> list[str]:
    """The title and the title from each later word on, so "zuschuss" also completes mid-title."""
    words = title.split()
    return [title] + [" ".join(words[i:]) for i in range(1, min(len(words), 8))]


def to_source(doc: IndexDocument) -> dict:
    source = {
        "key": doc.key,
        "doc_type": doc.doc_type,
        "object_id": doc.object_id,
        "title": doc.title,
        "body": textlib.plain_text(doc.body),
        "url": doc.url,
        "date": doc.date.isoformat() if doc.date else None,
        "topic_ids": list(doc.topic_ids),
        "audience": doc.audience,
        "moderation_only": doc.moderation_only,
        "language": doc.language,
    }
    if doc.suggest and not doc.moderation_only:
        source["suggest"] = {"input": suggest_inputs(doc.title)}
    return source


def permission_filter(viewer: Viewer) -> list[Q]:
    filters = []
    if not viewer.all_audiences:
        filters.append(Q("terms", audience=sorted(viewer.audiences)))
    if not viewer.moderation:
        filters.append(Q("term", moderation_only=False))
    return filters


def build_search(request: SearchRequest, index: str = "hds-search") -> Search:
    """The request body for ``request`` (tested as data without a server)."""
    text = request.text
    query = Q(
        "bool",
        must=[
            Q(
                "match",
                content={
                    "query": text,
                    "operator": request.operator,
                    "fuzziness": "AUTO",
                    "prefix_length": 1,
                },
            )
        ],
        should=[
            Q("match", title={"query": text, "boost": 3}),
            Q("match_phrase", body={"query": text, "boost": 2}),
        ],
        filter=permission_filter(request.viewer),
    )
    type_filter = Q("terms", doc_type=list(request.doc_types)) if request.doc_types else None
    topic_filter = Q("terms", topic_ids=list(request.topic_ids)) if request.topic_ids else None
    s = Search(index=index).query(query)
    post = [f for f in (type_filter, topic_filter) if f is not None]
    if post:
        s = s.post_filter(Q("bool", filter=post))
    s.aggs.bucket("types", "filter", filter=topic_filter or Q("match_all")).bucket(
        "values", "terms", field="doc_type", size=20
    )
    s.aggs.bucket("topics", "filter", filter=type_filter or Q("match_all")).bucket(
        "values", "terms", field="topic_ids", size=50
    )
    s = s.highlight("title", number_of_fragments=0).highlight(
        "body", fragment_size=HIGHLIGHT_SIZE, number_of_fragments=1, no_match_size=HIGHLIGHT_SIZE
    )
    s = s.highlight_options(
        pre_tags=[textlib.MARK_START], post_tags=[textlib.MARK_END], require_field_match=False
    )
    s = s.sort("_score", {"date": {"order": "desc", "missing": "_last"}})
    s = s.source(["doc_type", "object_id", "title", "url", "date", "topic_ids", "moderation_only"])
    s = s.extra(track_total_hits=True)
    start = max(0, (request.page - 1) * request.per_page)
    return s[start : start + request.per_page]


def build_suggest(text: str, viewer: Viewer, *, limit: int = 8, index: str = "hds-search") -> Search:
    completion = {"field": "suggest", "size": limit, "skip_duplicates": True, "fuzzy": {"fuzziness": "AUTO"}}
    if not viewer.all_audiences:
        completion["contexts"] = {"audience": sorted(viewer.audiences)}
    s = Search(index=index).suggest("titles", text, completion=completion)
    return s.source(["title", "url", "doc_type"]).extra(size=0)


def _guard(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (ApiError, TransportError, BulkIndexError) as exc:
            raise SearchUnavailable(f"elasticsearch: {exc.__class__.__name__}: {str(exc)[:200]}") from exc

    return wrapper


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, *, url: str | None, index: str = "hds-search"):
        if not url:
            raise SearchUnavailable("ELASTICSEARCH_URL is not set")
        self.url = url
        self.alias = index
        self.client = Elasticsearch(
            url,
            request_timeout=float(getattr(settings, "HDS_SEARCH_TIMEOUT", 5)),
            max_retries=1,
            retry_on_timeout=False,
        )
        self._ready = False

    # -- index management -----------------------------------------------------

    @property
    def _building_key(self) -> str:
        return f"search:es:building:{self.alias}"

    def _refresh(self):
        return "wait_for" if getattr(settings, "HDS_SEARCH_REFRESH", False) else False

    def _new_index_name(self) -> str:
        return f"{self.alias}-{timezone.now().strftime('%Y%m%d%H%M%S%f')}"

    def _current_indices(self) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=self.alias).body.keys())
        except NotFoundError:
            return []

    @_guard
    def ensure_index(self) -> None:
        """Create a first index behind the alias if there is none (never let a write auto-create one)."""
        if self._ready:
            return
        if not self.client.indices.exists_alias(name=self.alias):
            name = self._new_index_name()
            build_index(name).create(using=self.client)
            self.client.indices.update_aliases(actions=[{"add": {"index": name, "alias": self.alias}}])
        self._ready = True

    def _write_targets(self) -> list[str]:
        building = cache.get(self._building_key)
        return [self.alias] + ([building] if building else [])

    # -- writing ----------------------------------------------------------------

    @_guard
    def index(self, documents: Iterable[IndexDocument]) -> None:
        documents = list(documents)
        if not documents:
            return
        self.ensure_index()
        actions = [
            {"_op_type": "index", "_index": target, "_id": doc.key, "_source": to_source(doc)}
            for target in self._write_targets()
            for doc in documents
        ]
        bulk(self.client, actions, refresh=self._refresh())

    @_guard
    def delete(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        if not keys:
            return
        self.ensure_index()
        actions = [
            {"_op_type": "delete", "_index": target, "_id": key}
            for target in self._write_targets()
            for key in keys
        ]
        bulk(self.client, actions, refresh=self._refresh(), raise_on_error=False)

    @_guard
    def rebuild(self, documents: Iterable[IndexDocument]) -> int:
        name = self._new_index_name()
        build_index(name).create(using=self.client)
        cache.set(self._building_key, name, 6 * 3600)
        try:
            count = 0

            def actions():
                nonlocal count
                for doc in documents:
                    count += 1
                    yield {"_op_type": "index", "_index": name, "_id": doc.key, "_source": to_source(doc)}

            bulk(self.client, actions(), chunk_size=500)
            self.client.indices.refresh(index=name)
            old = self._current_indices()
            swap = [{"add": {"index": name, "alias": self.alias}}]
            swap += [{"remove": {"index": index, "alias": self.alias}} for index in old]
            self.client.indices.update_aliases(actions=swap)
        except BaseException:
            cache.delete(self._building_key)
            self.client.indices.delete(index=name, ignore_unavailable=True)
            raise
        cache.delete(self._building_key)
        for index in old:
            self.client.indices.delete(index=index, ignore_unavailable=True)
        self._ready = True
        return count

    # -- reading ----------------------------------------------------------------

    @_guard
    def stored_keys(self, prefix: str) -> set[str]:
        s = Search(using=self.client, index=self.alias).query(Q("prefix", key=prefix)).source(False)
        return {hit.meta.id for hit in s.params(ignore_unavailable=True).scan()}

    @_guard
    def fetch(self, keys: Iterable[str]) -> dict[str, IndexDocument]:
        keys = list(keys)
        if not keys:
            return {}
        try:
            response = self.client.mget(index=self.alias, ids=keys)
        except NotFoundError:
            return {}
        out = {}
        for item in response.body.get("docs", []):
            if not item.get("found"):
                continue
            src = item["_source"]
            out[item["_id"]] = IndexDocument(
                key=item["_id"],
                doc_type=src["doc_type"],
                object_id=src["object_id"],
                title=src["title"],
                body=src.get("body", ""),
                url=src["url"],
                date=None,
                topic_ids=tuple(src.get("topic_ids") or ()),
                audience=src["audience"],
                moderation_only=bool(src.get("moderation_only")),
                language=src.get("language", ""),
                suggest="suggest" in src,
            )
        return out

    @_guard
    def search(self, request: SearchRequest) -> SearchResults:
        if not textlib.query_terms(request.text):
            return SearchResults(hits=[], total=0)
        s = build_search(request, index=self.alias).using(self.client).params(ignore_unavailable=True)
        response = s.execute()
        hits = []
        for hit in response.hits:
            highlight = getattr(hit.meta, "highlight", None)
            title = highlight.title[0] if highlight and "title" in highlight else hit.title
            snippet = highlight.body[0] if highlight and "body" in highlight else ""
            date = parse_datetime(str(hit.date)) if getattr(hit, "date", None) else None
            hits.append(
                Hit(
                    key=hit.meta.id,
                    doc_type=hit.doc_type,
                    object_id=hit.object_id,
                    title=title,
                    snippet=snippet,
                    url=hit.url,
                    date=date,
                    topic_ids=tuple(getattr(hit, "topic_ids", None) or ()),
                    score=float(hit.meta.score or 0),
                    moderation_only=bool(getattr(hit, "moderation_only", False)),
                )
            )
        aggs = response.aggregations if "aggregations" in response else None
        type_counts = {b.key: b.doc_count for b in aggs.types.values.buckets} if aggs else {}
        topic_counts = {int(b.key): b.doc_count for b in aggs.topics.values.buckets} if aggs else {}
        return SearchResults(
            hits=hits, total=response.hits.total.value, type_counts=type_counts, topic_counts=topic_counts
        )

    @_guard
    def suggest(self, text: str, viewer: Viewer, *, limit: int = 8) -> list[Suggestion]:
        s = build_suggest(text, viewer, limit=limit, index=self.alias).using(self.client)
        response = s.params(ignore_unavailable=True).execute()
        if "suggest" not in response:
            return []
        out = []
        for option in response.suggest.titles[0].options:
            src = option._source
            out.append(Suggestion(title=src.title, url=src.url, doc_type=src.doc_type))
        return out

    @_guard
    def vocabulary(self, viewer: Viewer, *, limit: int = 2000) -> list[str]:
        s = Search(using=self.client, index=self.alias).filter(Q("bool", filter=permission_filter(viewer)))
        s = s.filter("exists", field="suggest").sort({"date": {"order": "desc", "missing": "_last"}})
        s = s.source(["title"]).params(ignore_unavailable=True)[:limit]
        return textlib.title_vocabulary(hit.title for hit in s.execute())
