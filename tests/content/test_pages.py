"""Page-type rules (Wagtail's test helpers), creation through the admin and rendering."""

import re

import pytest
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from hds_site.content.models import ArticleIndexPage, ArticlePage, HomePage, StandardPage, TopicPage
from tests import factories


class PageTypeRulesTests(WagtailPageTestCase):
    def test_home_under_root_only(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertCanCreateAt(Page, HomePage)

    def test_topic_rules(self):
        self.assertAllowedParentPageTypes(TopicPage, {HomePage})
        self.assertAllowedSubpageTypes(TopicPage, set())

    def test_article_index_rules(self):
        self.assertAllowedParentPageTypes(ArticleIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(ArticleIndexPage, {ArticlePage})

    def test_article_only_in_index(self):
        self.assertAllowedParentPageTypes(ArticlePage, {ArticleIndexPage})
        self.assertCanNotCreateAt(HomePage, ArticlePage)
        self.assertCanNotCreateAt(TopicPage, ArticlePage)
        self.assertAllowedSubpageTypes(ArticlePage, set())

    def test_standard_page_rules(self):
        self.assertAllowedParentPageTypes(StandardPage, {HomePage, StandardPage})
        self.assertAllowedSubpageTypes(StandardPage, {StandardPage})

    def test_home_allows_own_types(self):
        for child in (TopicPage, ArticleIndexPage, StandardPage):
            self.assertCanCreateAt(HomePage, child)


class AdminCreationTests(WagtailPageTestCase):
    def setUp(self):
        self.user = self.login()  # superuser
        self.home = factories.content_home()
        self.index = factories.content_article_index(home=self.home)
        self.topic = factories.content_topic(home=self.home)

    def test_editor_creates_article_with_blocks(self):
        data = nested_form_data({
            "title": "E-Rechnung ab 2025",
            "slug": "e-rechnung",
            "kind": "ratgeber",
            "teaser": "Was sich ändert.",
            "author_name": "Redaktion",
            "publication_date": "2026-01-15",
            "body": streamfield([
                ("heading", {"heading_text": "Fristen", "level": "h2"}),
                ("paragraph", rich_text("<p>Seit 2025 …</p>")),
                ("info_box", {"variant": "info", "title": "", "text": rich_text("<p>Hinweis</p>")}),
                ("quote", {"text": "Zitat", "attribution": "Jemand"}),
            ]),
        })
        data["topics"] = [str(self.topic.pk)]  # a multi-select posts a list
        self.assertCanCreate(self.index, ArticlePage, data)
        article = ArticlePage.objects.get(slug="e-rechnung")
        assert list(article.topics.all()) == [self.topic]
        assert [b.block_type for b in article.body] == ["heading", "paragraph", "info_box", "quote"]

    def test_editor_creates_standard_page(self):
        data = nested_form_data({
            "title": "Impressum",
            "slug": "impressum",
            "intro": rich_text("<p>Angaben</p>"),
            "body": streamfield([("paragraph", rich_text("<p>Text</p>"))]),
            "show_in_footer": "on",
        })
        self.assertCanCreate(self.home, StandardPage, data)

    def test_image_block_requires_alt_text(self):
        from wagtail.blocks import StructBlockValidationError

        from hds_site.content.blocks import ImageBlock

        block = ImageBlock()
        with pytest.raises(StructBlockValidationError):
            block.clean(block.to_python({"image": None, "alt_text": "", "caption": ""}))

    def test_pages_are_previewable(self):
        article = factories.content_article(index=self.index, topics=[self.topic])
        article_data = nested_form_data({
            "title": article.title, "slug": article.slug, "kind": "news", "teaser": "Kurz",
            "author_name": "", "publication_date": "2026-01-15", "last_reviewed": "",
            "body": streamfield([
                ("heading", {"heading_text": "Vorschau", "level": "h2"}),
                ("faq", {"title": "Fragen", "items": streamfield([
                    ("item", {"question": "Geht die Vorschau?", "answer": rich_text("<p>Ja.</p>")})])}),
            ]),
        })
        article_data["topics"] = [str(self.topic.pk)]
        self.assertPageIsPreviewable(article, post_data=article_data)
        self.assertPageIsPreviewable(self.home, post_data=nested_form_data({
            "title": self.home.title, "slug": self.home.slug, "intro": rich_text("<p>Hallo</p>"),
            "featured_articles": inline_formset([]),
            "finder_teaser": "a", "forum_teaser": "b", "campaigns_teaser": "c",
        }))
        self.assertPageIsPreviewable(self.topic)
        self.assertPageIsPreviewable(self.index)


def _assert_page(response, title):
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="de">' in html
    h1s = re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert len(h1s) == 1, h1s
    assert title in h1s[0]
    return html


@pytest.mark.django_db
def test_render_home(client, home, topics, article):
    html = _assert_page(client.get("/"), home.title)
    assert "Soziale Absicherung" in html
    assert article.title in html
    assert 'href="/beratung-finden/"' in html


@pytest.mark.django_db
def test_render_topic_lists_its_articles(client, topics, article):
    html = _assert_page(client.get("/soziale-absicherung/"), "Soziale Absicherung")
    assert article.title in html
    html = _assert_page(client.get("/recht-vertraege/"), "Recht &amp; Verträge")
    assert article.title not in html


@pytest.mark.django_db
def test_topic_sections_hook(client, topics):
    from wagtail import hooks

    def section(context, page):
        return f"<section><h2>Threads zu {page.title}</h2></section>"

    with hooks.register_temporarily("hds_topic_sections", section):
        html = client.get("/soziale-absicherung/").content.decode()
    assert "Threads zu Soziale Absicherung" in html


@pytest.mark.django_db
def test_render_article_with_blocks(client, article):
    html = _assert_page(client.get("/ratgeber/kuenstlersozialkasse/"), article.title)
    assert '<h2 id="wer-wird-aufgenommen">Wer wird aufgenommen?</h2>' in html
    assert "<details>" in html and "<summary>Kostet der Antrag etwas?</summary>" in html
    assert 'class="info-box info-box-tip"' in html
    assert "<blockquote>" in html
    assert 'datetime="2026-03-01"' in html and "Zuletzt geprüft" in html
    assert 'href="/soziale-absicherung/"' in html


@pytest.mark.django_db
def test_render_article_index(client, article_index, article):
    html = _assert_page(client.get("/ratgeber/"), "Ratgeber")
    assert article.title in html


@pytest.mark.django_db
def test_render_standard_page_and_footer_link(client, home):
    from hds_site.content import services
    from hds_site.content.models import StandardPage

    services.upsert_child_page(parent=home, page_class=StandardPage, slug="impressum", title="Impressum",
                               show_in_footer=True)
    services.upsert_child_page(parent=home, page_class=StandardPage, slug="intern", title="Interne Seite")
    html = _assert_page(client.get("/impressum/"), "Impressum")
    footer = html.split('class="site-footer"')[1]
    assert '<li><a href="/impressum/">Impressum</a></li>' in footer
    assert "Interne Seite" not in footer


@pytest.mark.django_db
def test_english_prefix_sets_lang(client, home):
    response = client.get("/en/")
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


@pytest.mark.django_db
def test_article_index_redirect(client, article_index):
    response = client.get("/ratgeber-uebersicht/")
    assert response.status_code == 302 and response["Location"] == "/ratgeber/"


@pytest.mark.django_db
def test_article_index_redirect_without_index_goes_home(client, home):
    response = client.get("/ratgeber-uebersicht/")
    assert response.status_code == 302 and response["Location"] == "/"
