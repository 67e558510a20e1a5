"""/suche/ and /suche/vorschlaege/ over the real stack (run for each backend)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from search.models import PendingIndexUpdate
from tests.factories import CategoryFactory, ForumMemberFactory, InterestGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread_factory(settings):
    settings.HDS_FORUM_PREMODERATION = {"enabled": False}
    from community import services

    def make(title="Honorar verhandeln", body="Wie verhandelt ihr euer Honorar?", category=None, author=None):
        return services.create_thread(
            category=category or CategoryFactory(), author=author or ForumMemberFactory(), title=title, body=body,
            enforce_limits=False,
        )

    return make


def test_results_show_type_title_snippet_date_and_escape_user_html(
    search_backend, client, thread_factory, run_on_commit
):
    with run_on_commit():
        thread = thread_factory(
            title="Honorar <b>fett</b>",
            body='<img src=x onerror="alert(1)"> Mein Honorar ist zu niedrig. <script>alert(2)</script>',
        )
    response = client.get("/suche/", {"q": "honorare"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Forumsthema" in html
    assert f'href="{thread.get_absolute_url()}"' in html
    assert "<mark>Honorar</mark>" in html
    assert "&lt;b&gt;fett&lt;/b&gt;" in html
    assert "<img src=x" not in html and 'onerror="alert(1)"' not in html
    assert "<script>alert(2)" not in html
    assert "&lt;script&gt;alert(2)" in html or "alert(2)" not in html
    assert "<time datetime=" in html
    assert "1 Treffer" in html


def test_facets_filter_by_type_with_counts(search_backend, client, thread_factory, run_on_commit):
    with run_on_commit():
        thread_factory(title="Honorar Tabelle", body="Honorar im Überblick")
        InterestGroupFactory(name="IG Honorar", slug="ig-honorar", description="Wir reden über Honorare.")
    response = client.get("/suche/", {"q": "Honorar"})
    html = response.content.decode()
    assert "Forumsthema" in html and "Interessengemeinschaft" in html
    assert "2 Treffer" in html
    assert response.context["type_facets"] == [
        {"value": "thread", "label": "Forumsthema", "count": 1, "selected": False, "url": "?q=Honorar&type=thread"},
        {"value": "group", "label": "Interessengemeinschaft", "count": 1, "selected": False,
         "url": "?q=Honorar&type=group"},
    ]
    filtered = client.get("/suche/", {"q": "Honorar", "type": "group"})
    assert "1 Treffer" in filtered.content.decode()
    assert [h["type"] for h in filtered.context["hits"]] == ["group"]
    group_facet = next(f for f in filtered.context["type_facets"] if f["value"] == "group")
    assert group_facet["selected"] and group_facet["url"] == "?q=Honorar"
    assert 'aria-current="true"' in filtered.content.decode()


def test_pagination(search_backend, client, run_on_commit):
    with run_on_commit():
        for i in range(23):
            InterestGroupFactory(name=f"IG Honorar {i}", slug=f"ig-honorar-{i}")
    first = client.get("/suche/", {"q": "Honorar"})
    assert "23 Treffer" in first.content.decode()
    assert len(first.context["hits"]) == 10
    assert first.context["next_url"] == "?q=Honorar&page=2"
    third = client.get("/suche/", {"q": "Honorar", "page": 3})
    assert len(third.context["hits"]) == 3
    assert third.context["next_url"] is None
    assert 'aria-current="page">3<' in third.content.decode()
    seen = {h["url"] for p in (1, 2, 3) for h in client.get("/suche/", {"q": "Honorar", "page": p}).context["hits"]}
    assert len(seen) == 23
    # out of range pages show the last page instead of nothing
    assert len(client.get("/suche/", {"q": "Honorar", "page": 99}).context["hits"]) == 3


def test_no_results_message_with_spelling_suggestion(search_backend, client, thread_factory, run_on_commit):
    with run_on_commit():
        thread_factory(title="Gründerzuschuss beantragen", body="Antrag bei der Agentur für Arbeit")
    response = client.get("/suche/", {"q": "Gründerzuschus"})
    html = response.content.decode()
    assert "haben wir nichts gefunden" in html
    assert "Meinten Sie:" in html
    assert '<a href="?q=gr%C3%BCnderzuschuss">gründerzuschuss</a>' in html


def test_relaxed_query_when_not_all_words_match(search_backend, client, thread_factory, run_on_commit):
    with run_on_commit():
        thread_factory(title="Rentenbeitrag berechnen", body="So berechnen Sie den Beitrag zur Rentenversicherung.")
    response = client.get("/suche/", {"q": "Wie hoch ist mein Rentenbeitrag als Yogalehrerin?"})
    html = response.content.decode()
    assert "Kein Ergebnis enthält alle Suchbegriffe" in html
    assert "1 Treffer" in html


def test_empty_query_shows_the_form(client, db):
    response = client.get("/suche/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="search-page-q">' in html
    assert html.count("<h1") == 1


def test_header_box_is_wired_for_suggestions(client, db):
    html = client.get("/suche/").content.decode()
    assert 'data-suggest-url="/suche/vorschlaege/"' in html
    assert 'src="/static/search/suggest.js" defer' in html


def test_suggestions_json_respects_permissions(search_backend, client, thread_factory, run_on_commit):
    group = InterestGroupFactory(name="IG Intern", slug="ig-intern")
    with run_on_commit():
        thread_factory(title="Honorarliste öffentlich", body="Honorare")
        thread_factory(title="Honorarliste intern", body="Honorare",
                       category=CategoryFactory(group=group, members_only=True),
                       author=ForumMemberFactory(is_staff=True))
    data = client.get("/suche/vorschlaege/", {"q": "Honorarl"}).json()
    assert [s["title"] for s in data["suggestions"]] == ["Honorarliste öffentlich"]
    assert data["suggestions"][0]["type_label"] == "Forumsthema"
    assert client.get("/suche/vorschlaege/", {"q": "H"}).json()["suggestions"] == []


def test_suggestions_link_into_the_english_ui(search_backend, client, thread_factory, run_on_commit):
    """Under /en/ a suggestion opens the page in the English UI, as the result list does (no jump to German)."""
    from django.utils import translation

    with run_on_commit():
        thread = thread_factory(title="Honorarliste öffentlich", body="Honorare")
    german = client.get("/suche/vorschlaege/", {"q": "Honorarl"}).json()["suggestions"]
    assert german[0]["url"] == thread.get_absolute_url() and not german[0]["url"].startswith("/en/")
    with translation.override("en"):  # restores the test thread's language after the /en/ request
        english = client.get("/en/suche/vorschlaege/", {"q": "Honorarl"}).json()["suggestions"]
    assert english[0]["url"] == "/en" + german[0]["url"]
    assert english[0]["type_label"] == "Forum topic"
    with translation.override("en"):
        assert client.get(english[0]["url"]).status_code == 200


def test_constant_number_of_queries(search_backend, client, run_on_commit):
    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/suche/", {"q": "Honorar"})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    with run_on_commit():
        for i in range(3):
            InterestGroupFactory(name=f"IG Honorar {i}", slug=f"ig-honorar-{i}")
    small = count_queries()
    with run_on_commit():
        for i in range(3, 30):
            InterestGroupFactory(name=f"IG Honorar {i}", slug=f"ig-honorar-{i}")
    assert count_queries() == small


FAILING_ES = "http://127.0.0.1:1"  # a closed loopback port: a real connection failure, not a mock


@pytest.fixture
def elasticsearch_down(settings):
    settings.HDS_SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = FAILING_ES
    settings.HDS_SEARCH_INDEX = "hds-search-down"


def test_search_page_says_unavailable_when_the_backend_fails(elasticsearch_down, client, db):
    response = client.get("/suche/", {"q": "Honorar"})
    assert response.status_code == 503
    html = response.content.decode()
    assert "Die Suche ist gerade nicht verfügbar" in html
    assert 'class="site-header"' in html  # the normal layout, not a bare error
    suggest = client.get("/suche/vorschlaege/", {"q": "Honorar"})
    assert suggest.status_code == 503
    assert suggest.json()["suggestions"] == []


def test_writes_succeed_while_the_backend_is_down_and_catch_up_later(
    elasticsearch_down, settings, thread_factory, run_on_commit
):
    from django.core.management import call_command

    from search.backends import get_backend
    from search.backends.base import SearchRequest, Viewer

    with run_on_commit():
        thread = thread_factory(title="Ausfallsicher", body="Dieser Beitrag entsteht trotz Suchausfall.")
    thread.refresh_from_db()
    assert thread.pk
    assert PendingIndexUpdate.objects.filter(ref=f"community.thread:{thread.pk}").exists()

    # the backend is back (here: the database backend): the pending updates are applied
    settings.HDS_SEARCH_BACKEND = "database"
    call_command("search_index", "--retry-pending")
    assert not PendingIndexUpdate.objects.exists()
    hits = get_backend().search(SearchRequest(text="Suchausfall", viewer=Viewer())).hits
    assert [h.key for h in hits] == [f"thread:{thread.pk}"]
