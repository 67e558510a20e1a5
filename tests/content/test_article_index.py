import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hds_site.content.models import ArticleIndexPage
from tests import factories


@pytest.fixture
def many_articles(article_index, topics):
    made = []
    for i in range(12):
        made.append(factories.content_article(
            index=article_index, title=f"Ratgeber {i:02d}", kind="ratgeber",
            topics=[topics["sozial"] if i % 2 else topics["recht"]],
        ))
    for i in range(3):
        made.append(factories.content_article(index=article_index, title=f"Meldung {i}", kind="news",
                                              topics=[topics["recht"]]))
    return made


@pytest.mark.django_db
def test_filter_by_kind(client, many_articles):
    html = client.get("/ratgeber/?art=news").content.decode()
    assert "3 Artikel gefunden" in html
    assert "Meldung 0" in html and "Ratgeber 01" not in html


@pytest.mark.django_db
def test_filter_by_topic(client, many_articles):
    html = client.get("/ratgeber/?thema=soziale-absicherung").content.decode()
    assert "6 Artikel gefunden" in html
    assert "Ratgeber 01" in html and "Ratgeber 02" not in html and "Meldung" not in html
    assert '<option value="soziale-absicherung" selected>' in html


@pytest.mark.django_db
def test_filter_by_topic_and_kind(client, many_articles):
    html = client.get("/ratgeber/?thema=recht-vertraege&art=news").content.decode()
    assert "3 Artikel gefunden" in html


@pytest.mark.django_db
def test_unknown_filter_values_are_ignored(client, many_articles):
    response = client.get("/ratgeber/?thema=gibt-es-nicht&art=quatsch")
    assert response.status_code == 200
    assert "15 Artikel gefunden" in response.content.decode()


@pytest.mark.django_db
def test_pagination(client, many_articles):
    assert ArticleIndexPage.PER_PAGE == 10
    first = client.get("/ratgeber/").content.decode()
    assert "Seite 1 von 2" in first
    assert 'aria-label="Seitennavigation"' in first
    assert '<span aria-current="page"><span class="visually-hidden">Seite </span>1</span>' in first
    assert 'href="?seite=2" rel="next"' in first
    second = client.get("/ratgeber/?seite=2").content.decode()
    assert second.count('class="card article-card"') == 5
    assert 'href="?seite=1" rel="prev"' in second


@pytest.mark.django_db
def test_pagination_keeps_filters_and_tolerates_bad_numbers(client, many_articles):
    html = client.get("/ratgeber/?art=ratgeber").content.decode()
    assert 'href="?art=ratgeber&amp;seite=2"' in html
    assert client.get("/ratgeber/?seite=abc").status_code == 200
    assert "Seite 2 von 2" in client.get("/ratgeber/?seite=999").content.decode()


@pytest.mark.django_db
def test_article_index_constant_queries(client, article_index, topics):
    def count_queries():
        client.get("/ratgeber/")  # warm caches (site root paths, content types)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/ratgeber/")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    for _i in range(2):
        factories.content_article(index=article_index, topics=[topics["sozial"], topics["recht"]])
    small = count_queries()
    for _i in range(8):
        factories.content_article(index=article_index, topics=[topics["sozial"], topics["recht"]])
    large = count_queries()
    assert large == small, (small, large)
