"""One behavioural suite for every backend (see conftest: database always, Elasticsearch with ELASTICSEARCH_URL).

Documents are handed to the backend directly here; test_sync.py covers how
the apps' objects become documents.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from search.backends.base import MEMBERS, PUBLIC, STAFF, IndexDocument, SearchRequest, Viewer
from search.text import render_snippet

NOW = timezone.now()

ANONYMOUS = Viewer()
MEMBER = Viewer(audiences=frozenset({PUBLIC, MEMBERS}), label="member")
GROUP_MEMBER = Viewer(audiences=frozenset({PUBLIC, MEMBERS, "group:7"}), label="group member")
EDITOR = Viewer(audiences=frozenset({PUBLIC, MEMBERS, STAFF}), label="editor")
MODERATOR = Viewer(audiences=frozenset({PUBLIC, MEMBERS}), all_audiences=True, moderation=True, label="moderator")


def doc(key, doc_type, title, body="", *, days=0, topics=(), audience=PUBLIC, moderation_only=False, suggest=True):
    return IndexDocument(
        key=key,
        doc_type=doc_type,
        object_id=int(key.split(":")[1]),
        title=title,
        body=body,
        url=f"/{key.replace(':', '/')}/",
        date=NOW - dt.timedelta(days=days),
        topic_ids=tuple(topics),
        audience=audience,
        moderation_only=moderation_only,
        suggest=suggest,
    )


CORPUS = [
    doc("page:1", "article", "Rentenversicherung für Selbstständige",
        "Wie hoch ist der Rentenbeitrag? Selbstständige Lehrer sind pflichtversichert.", topics=[100], days=1),
    doc("page:2", "article", "Gründerzuschuss beantragen",
        "Den Gründerzuschuss zahlt die Agentur für Arbeit. Beratung in der Hauptstraße 5.", topics=[101], days=2),
    doc("page:3", "page", "Honorare richtig kalkulieren",
        "Ein gutes Honorar deckt Steuern und Versicherungen.", topics=[101], days=3),
    doc("thread:4", "thread", "Geschäftsadresse in der Strasse oder zu Hause?", "Frage zur Adresse.", days=4),
    doc("post:5", "post", "Mindesthonorar",
        '<script>alert("xss")</script> Mein Honorar ist zu niedrig & ich frage mich warum.', days=5, suggest=False),
    doc("post:6", "post", "Versteckt", "Versteckter Beitrag über Honorare", moderation_only=True, suggest=False),
    doc("post:7", "post", "Intern", "Interner Austausch zu Honoraren in der Gruppe", audience="group:7", suggest=False),
    doc("page:8", "page", "Honorartabelle für Mitglieder", "Nur für Mitglieder: Honorare im Vergleich",
        audience=MEMBERS, topics=[101]),
    doc("page:9", "page", "Redaktionshandbuch", "Honorare der Autorinnen", audience=STAFF),
    doc("page:10", "campaign", "Mindesthonorare jetzt!", "Wir fordern faire Honorare für alle Selbstständigen.",
        topics=[101], days=6),
    doc("group:11", "group", "IG Übersetzer:innen", "Austausch über Honorare und Aufträge", days=7),
]


@pytest.fixture
def corpus(search_backend):
    search_backend.index(CORPUS)
    return search_backend


def keys(backend, text, viewer=ANONYMOUS, **kwargs):
    results = backend.search(SearchRequest(text=text, viewer=viewer, per_page=50, **kwargs))
    return {hit.key for hit in results.hits}


def test_german_stemming(corpus):
    assert "page:1" in keys(corpus, "selbstständig")
    assert "page:1" in keys(corpus, "Selbstständige")
    assert "page:3" in keys(corpus, "Honorar")
    assert "page:3" in keys(corpus, "Honorare")


def test_umlaut_and_sharp_s_folding(corpus):
    assert "page:2" in keys(corpus, "Gruenderzuschuss")
    assert "page:2" in keys(corpus, "Hauptstrasse")
    assert "thread:4" in keys(corpus, "Straße")
    assert "thread:4" in keys(corpus, "Geschaeftsadresse")


def test_case_insensitive(corpus):
    assert keys(corpus, "GRÜNDERZUSCHUSS") == keys(corpus, "gründerzuschuss") == {"page:2"}


def test_all_terms_must_match_by_default(corpus):
    assert keys(corpus, "Honorar Steuern") == {"page:3"}
    assert keys(corpus, "Honorar Steuern", operator="or") >= {"page:3", "post:5"}


@pytest.mark.parametrize(
    "viewer, visible, invisible",
    [
        (ANONYMOUS, {"page:3", "post:5", "page:10", "group:11"}, {"post:6", "post:7", "page:8", "page:9"}),
        (MEMBER, {"page:3", "post:5", "page:8"}, {"post:6", "post:7", "page:9"}),
        (GROUP_MEMBER, {"page:3", "post:7", "page:8"}, {"post:6", "page:9"}),
        (EDITOR, {"page:3", "page:8", "page:9"}, {"post:6", "post:7"}),
        (MODERATOR, {"page:3", "post:6", "post:7", "page:8"}, set()),
    ],
    ids=lambda v: v.label if isinstance(v, Viewer) else "",
)
def test_permissions_per_role(corpus, viewer, visible, invisible):
    found = keys(corpus, "Honorare", viewer=viewer)
    assert visible <= found
    assert not (invisible & found)
    results = corpus.search(SearchRequest(text="Honorare", viewer=viewer, per_page=50))
    # counts and facets never include what the viewer cannot see
    assert results.total == len(found) == sum(results.type_counts.values())


def test_facet_counts_are_disjunctive(corpus):
    results = corpus.search(SearchRequest(text="Honorar", viewer=ANONYMOUS, per_page=50))
    assert results.type_counts == {"page": 1, "post": 1, "campaign": 1, "group": 1}
    assert results.topic_counts == {101: 2}
    filtered = corpus.search(SearchRequest(text="Honorar", viewer=ANONYMOUS, doc_types=("post",), per_page=50))
    assert {h.key for h in filtered.hits} == {"post:5"}
    assert filtered.total == 1
    # the type facet still counts the other types, so they can be added
    assert filtered.type_counts == results.type_counts
    by_topic = corpus.search(SearchRequest(text="Honorar", viewer=ANONYMOUS, topic_ids=(101,), per_page=50))
    assert {h.key for h in by_topic.hits} == {"page:3", "page:10"}
    assert by_topic.type_counts == {"page": 1, "campaign": 1}



def test_topic_counts_follow_reindexed_topics(corpus):
    """Topic counts count each matching document once per topic, after its topics change in either direction."""
    import dataclasses

    by_key = {d.key: d for d in CORPUS}
    corpus.index([
        dataclasses.replace(by_key["page:3"], topic_ids=()),  # loses its topic
        dataclasses.replace(by_key["post:5"], topic_ids=(102, 101, 102)),  # gains two (one listed twice)
    ])
    results = corpus.search(SearchRequest(text="Honorar", viewer=ANONYMOUS, per_page=50))
    assert results.topic_counts == {101: 2, 102: 1}
    assert results.type_counts == {"page": 1, "post": 1, "campaign": 1, "group": 1}
    posts = corpus.search(SearchRequest(text="Honorar", viewer=ANONYMOUS, doc_types=("post",), per_page=50))
    assert posts.topic_counts == {101: 1, 102: 1}
    by_topic = corpus.search(SearchRequest(text="Honorar", viewer=ANONYMOUS, topic_ids=(102,), per_page=50))
    assert {h.key for h in by_topic.hits} == {"post:5"}
    assert by_topic.type_counts == {"post": 1}

def test_pagination(search_backend):
    search_backend.index(
        [doc(f"post:{i}", "post", f"Beitrag {i}", f"Honorar Nummer {i}", days=i, suggest=False) for i in range(1, 26)]
    )
    seen = []
    for page in (1, 2, 3):
        results = search_backend.search(SearchRequest(text="honorar", viewer=ANONYMOUS, page=page, per_page=10))
        assert results.total == 25
        seen.extend(h.key for h in results.hits)
    assert len(seen) == len(set(seen)) == 25


def test_highlighting_escapes_html(corpus):
    results = corpus.search(SearchRequest(text="Honorar", viewer=ANONYMOUS, doc_types=("post",)))
    html = render_snippet(results.hits[0].snippet)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>Honorar</mark>" in html


def test_highlighting_marks_inflected_forms(corpus):
    results = corpus.search(SearchRequest(text="honorare", viewer=ANONYMOUS, doc_types=("page",)))
    assert "<mark>Honorar</mark>" in render_snippet(results.hits[0].snippet)
    assert "<mark>Honorare</mark>" in render_snippet(results.hits[0].title)


def test_update_and_delete(corpus):
    corpus.index([doc("page:3", "page", "Stundensatz berechnen", "Kalkulation des Stundensatzes")])
    assert "page:3" not in keys(corpus, "Honorar")
    assert keys(corpus, "Stundensätze") == {"page:3"}
    corpus.delete(["page:3", "page:404"])
    assert keys(corpus, "Stundensatz") == set()
    assert corpus.fetch(["page:3"]) == {}
    assert corpus.fetch(["page:2"])["page:2"].title == "Gründerzuschuss beantragen"


def test_suggestions_respect_permissions(corpus):
    titles = {s.title for s in corpus.suggest("Honor", ANONYMOUS)}
    assert "Honorare richtig kalkulieren" in titles
    assert "Honorartabelle für Mitglieder" not in titles
    member_titles = {s.title for s in corpus.suggest("Honor", MEMBER)}
    assert "Honorartabelle für Mitglieder" in member_titles
    # posts are not suggested
    assert "Mindesthonorar" not in {s.title for s in corpus.suggest("Mindesthon", MODERATOR)}


def test_suggestions_fold_umlauts(corpus):
    assert "Gründerzuschuss beantragen" in {s.title for s in corpus.suggest("Gruenderz", ANONYMOUS)}


def test_rebuild_replaces_everything(corpus):
    count = corpus.rebuild([doc("page:50", "page", "Neu", "Honorar neu")])
    assert count == 1
    assert keys(corpus, "Honorar") == {"page:50"}
    assert corpus.stored_keys("page:") == {"page:50"}
