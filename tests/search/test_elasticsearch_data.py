"""The Elasticsearch backend as data: mapping, analysers and request bodies (no server needed).

The behaviour against a real server is covered by the parametrised suites
when ELASTICSEARCH_URL is set (docs/search.md).
"""

from __future__ import annotations

import pytest

from search.backends.base import MEMBERS, PUBLIC, SearchRequest, SearchUnavailable, Viewer
from search.backends.elasticsearch import (
    DECOMPOUND_WORDS,
    ElasticsearchBackend,
    build_index,
    build_search,
    build_suggest,
    suggest_inputs,
)
from search.text import MARK_END, MARK_START, fold

ANONYMOUS = Viewer()
GROUP_MEMBER = Viewer(audiences=frozenset({PUBLIC, MEMBERS, "group:3"}))
MODERATOR = Viewer(all_audiences=True, moderation=True)


def test_index_settings_define_the_german_analyser():
    body = build_index("hds-search-1").to_dict()
    analysis = body["settings"]["analysis"]
    german = analysis["analyzer"]["hds_german"]
    assert german["tokenizer"] == "standard"
    assert german["filter"] == [
        "lowercase",
        "hds_german_stop",
        "german_normalization",
        "hds_german_decompound",
        "asciifolding",
        "hds_german_stemmer",
    ]
    filters = analysis["filter"]
    assert filters["hds_german_stemmer"] == {"type": "stemmer", "language": "light_german"}
    assert filters["hds_german_stop"] == {"type": "stop", "stopwords": "_german_"}
    assert filters["hds_german_decompound"]["type"] == "dictionary_decompounder"
    assert {"grunder", "zuschuss", "honorar", "rente", "beitrag"} <= set(filters["hds_german_decompound"]["word_list"])


def test_decompound_word_list_is_folded_like_german_normalization():
    assert DECOMPOUND_WORDS and all(word == fold(word) for word in DECOMPOUND_WORDS)


def test_mapping_fields():
    props = build_index("hds-search-1").to_dict()["mappings"]["properties"]
    assert props["title"] == {"type": "text", "analyzer": "hds_german", "copy_to": "content"}
    assert props["body"] == {"type": "text", "analyzer": "hds_german", "copy_to": "content"}
    for keyword in ("key", "doc_type", "audience", "language"):
        assert props[keyword]["type"] == "keyword"
    assert props["topic_ids"]["type"] == "long"
    assert props["moderation_only"]["type"] == "boolean"
    assert props["suggest"]["type"] == "completion"
    assert props["suggest"]["contexts"] == [{"name": "audience", "type": "category", "path": "audience"}]


def test_query_body_for_anonymous_filters_permissions_inside_the_query():
    body = build_search(SearchRequest(text="Honorare", viewer=ANONYMOUS)).to_dict()
    bool_query = body["query"]["bool"]
    assert bool_query["must"] == [
        {"match": {"content": {"query": "Honorare", "operator": "and", "fuzziness": "AUTO", "prefix_length": 1}}}
    ]
    assert {"terms": {"audience": ["public"]}} in bool_query["filter"]
    assert {"term": {"moderation_only": False}} in bool_query["filter"]
    assert body["track_total_hits"] is True
    assert body["from"] == 0 and body["size"] == 10


def test_query_body_per_role():
    group = build_search(SearchRequest(text="x", viewer=GROUP_MEMBER)).to_dict()
    assert {"terms": {"audience": ["group:3", "members", "public"]}} in group["query"]["bool"]["filter"]
    moderator = build_search(SearchRequest(text="x", viewer=MODERATOR)).to_dict()
    assert "filter" not in moderator["query"]["bool"]


def test_facets_are_disjunctive_with_post_filter():
    body = build_search(
        SearchRequest(text="x", viewer=ANONYMOUS, doc_types=("post",), topic_ids=(7,), page=3, per_page=10)
    ).to_dict()
    assert body["post_filter"] == {"bool": {"filter": [{"terms": {"doc_type": ["post"]}}, {"terms": {"topic_ids": [7]}}]}}
    assert body["aggs"]["types"] == {
        "filter": {"terms": {"topic_ids": [7]}},
        "aggs": {"values": {"terms": {"field": "doc_type", "size": 20}}},
    }
    assert body["aggs"]["topics"] == {
        "filter": {"terms": {"doc_type": ["post"]}},
        "aggs": {"values": {"terms": {"field": "topic_ids", "size": 50}}},
    }
    assert body["from"] == 20


def test_highlighting_uses_marker_characters():
    body = build_search(SearchRequest(text="x", viewer=ANONYMOUS)).to_dict()
    assert body["highlight"]["pre_tags"] == [MARK_START]
    assert body["highlight"]["post_tags"] == [MARK_END]
    assert body["highlight"]["require_field_match"] is False
    assert body["highlight"]["fields"]["title"] == {"number_of_fragments": 0}
    assert body["highlight"]["fields"]["body"]["number_of_fragments"] == 1


def test_relaxed_query_uses_or():
    body = build_search(SearchRequest(text="a b", viewer=ANONYMOUS, operator="or")).to_dict()
    assert body["query"]["bool"]["must"][0]["match"]["content"]["operator"] == "or"


def test_completion_request_carries_the_audience_context():
    body = build_suggest("Gruend", GROUP_MEMBER, limit=5).to_dict()
    completion = body["suggest"]["titles"]["completion"]
    assert body["suggest"]["titles"]["prefix"] == "Gruend"
    assert completion["contexts"] == {"audience": ["group:3", "members", "public"]}
    assert completion["size"] == 5 and completion["fuzzy"] == {"fuzziness": "AUTO"}
    assert "contexts" not in build_suggest("x", MODERATOR).to_dict()["suggest"]["titles"]["completion"]


def test_suggest_inputs_start_at_each_word():
    assert suggest_inputs("Gründerzuschuss richtig beantragen") == [
        "Gründerzuschuss richtig beantragen",
        "richtig beantragen",
        "beantragen",
    ]


@pytest.mark.parametrize("call", ["search", "suggest", "index", "delete", "fetch", "rebuild"])
def test_every_operation_reports_unavailable_when_the_server_is_down(settings, call):
    from search.backends.base import IndexDocument

    backend = ElasticsearchBackend(url="http://127.0.0.1:1", index="hds-down")
    doc = IndexDocument(key="page:1", doc_type="page", object_id=1, title="T", body="B", url="/t/")
    calls = {
        "search": lambda: backend.search(SearchRequest(text="Honorar", viewer=ANONYMOUS)),
        "suggest": lambda: backend.suggest("Hon", ANONYMOUS),
        "index": lambda: backend.index([doc]),
        "delete": lambda: backend.delete(["page:1"]),
        "fetch": lambda: backend.fetch(["page:1"]),
        "rebuild": lambda: backend.rebuild([doc]),
    }
    with pytest.raises(SearchUnavailable):
        calls[call]()
