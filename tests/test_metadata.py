"""Page metadata (issue 12, point 10): description, canonical link, hreflang alternates, titles,
and machine-readable dates that the Nu HTML Checker accepts.

Every indexable page type is rendered in German and under /en/; the HTML is read with the
standard library's parser, not with string matching.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent
SITE_NAME = "Haus der Selbstständigen"
VALID_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2}))?$")


class Head(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.metas: list[dict] = []
        self.links: list[dict] = []
        self.times: list[dict] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            self.metas.append(attrs)
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "time":
            self.times.append(attrs)
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data

    @property
    def description(self) -> list[str]:
        return [m.get("content", "") for m in self.metas if m.get("name") == "description"]

    @property
    def noindex(self) -> bool:
        return any(m.get("name") == "robots" and "noindex" in m.get("content", "") for m in self.metas)

    def rel(self, rel: str) -> list[dict]:
        return [link for link in self.links if link.get("rel") == rel]


def parse(response) -> Head:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    head = Head()
    head.feed(response.content.decode())
    return head


@pytest.fixture
def site_pages(db, settings):
    settings.HDS_FORUM_PREMODERATION = {"enabled": False}
    home = factories.content_home()
    home.intro = "<p>Wir beraten Solo-Selbstständige.</p>"
    home.save_revision().publish()
    topic = factories.content_topic(title="Soziale Absicherung", slug="soziale-absicherung", home=home,
                                    intro="<p>Rente, Krankenversicherung &amp; Co.</p>")
    index = factories.content_article_index(home=home)
    with_search = factories.content_article(title="Künstlersozialkasse", slug="ksk", index=index,
                                            search_description="Was die KSK zahlt.", teaser="Kurz: die KSK.")
    with_teaser = factories.content_article(title="Rechnungen", slug="rechnungen", index=index, teaser="Rechnungen richtig schreiben.")
    long_body = "Erster Absatz " + "mit sehr vielen Wörtern " * 20
    body_only = factories.content_article(
        title="Nur Text", slug="nur-text", index=index, teaser="",
        body=[{"type": "heading", "value": {"heading_text": "Überschrift", "level": "h2"}},
              {"type": "paragraph", "value": f"<p>{long_body}</p><p>Zweiter Absatz.</p>"}],
    )
    from hds_site.content import services as content_services
    from hds_site.content.models import StandardPage

    standard, _ = content_services.upsert_child_page(parent=home, page_class=StandardPage, slug="impressum",
                                                     title="Impressum", intro="<p>Verantwortlich: HDS e.V.</p>")
    thread = factories.forum_thread(title="Tagessatz kalkulieren")
    group = factories.InterestGroupFactory(name="Kreative", slug="kreative")
    campaign = factories.make_campaign(title="Faire Beiträge", slug="faire-beitraege", teaser="Für faire Beiträge.")
    return {
        "home": ("/", "Wir beraten Solo-Selbstständige."),
        "topic": (topic.url, "Rente, Krankenversicherung & Co."),
        "article_index": (index.url, None),
        "article_search_description": (with_search.url, "Was die KSK zahlt."),
        "article_teaser": (with_teaser.url, "Rechnungen richtig schreiben."),
        "article_body": (body_only.url, None),
        "standard": (standard.url, "Verantwortlich: HDS e.V."),
        "finder": (reverse("finder"), None),
        "forum": (reverse("community:index"), None),
        "category": (thread.category.get_absolute_url(), None),
        "thread": (thread.get_absolute_url(), None),
        "groups": (reverse("community:group_list"), None),
        "group": (reverse("community:group_detail", args=[group.slug]), "Eine Interessengemeinschaft."),
        "campaigns": (campaign.get_parent().url, None),
        "campaign": (campaign.url, "Für faire Beiträge."),
    }


def _en(path: str) -> str:
    return "/en" + path


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_indexable_page_has_description_canonical_and_alternates(client, site_pages, language):
    base = settings.SITE_URL
    for name, (path, expected_description) in site_pages.items():
        url = path if language == "de" else _en(path)
        head = parse(client.get(url))
        assert not head.noindex, name
        descriptions = head.description
        assert len(descriptions) == 1, (name, descriptions)
        description = descriptions[0]
        assert description.strip(), name
        assert len(description) <= 160, (name, len(description))
        if expected_description and language == "de":
            assert description == expected_description, name
        canonical = head.rel("canonical")
        assert [link["href"] for link in canonical] == [base + url], name
        alternates = {link["hreflang"]: link["href"] for link in head.rel("alternate") if "hreflang" in link}
        assert alternates == {"de": base + path, "en": base + _en(path), "x-default": base + path}, name


def test_description_falls_back_from_search_description_to_teaser_intro_and_first_paragraph(client, site_pages):
    body = parse(client.get(site_pages["article_body"][0])).description[0]
    assert body.startswith("Erster Absatz mit sehr vielen Wörtern")
    assert body.endswith("…") and len(body) <= 160
    assert "Überschrift" not in body and "Zweiter Absatz" not in body
    assert not body[:-1].endswith(" ")  # cut at a word, not in the middle of one
    assert parse(client.get(site_pages["article_search_description"][0])).description == ["Was die KSK zahlt."]
    assert parse(client.get(site_pages["topic"][0])).description == ["Rente, Krankenversicherung & Co."]


def test_canonical_keeps_the_page_number_and_drops_other_parameters(client, site_pages):
    path = site_pages["thread"][0]
    head = parse(client.get(path + "?utm_source=x&page=1"))
    assert head.rel("canonical")[0]["href"] == settings.SITE_URL + path
    forum = site_pages["category"][0]
    head = parse(client.get(forum + "?page=1&sort=neu"))
    assert head.rel("canonical")[0]["href"] == settings.SITE_URL + forum


@pytest.mark.parametrize("language", ["de", "en"])
def test_no_page_names_the_site_twice(client, site_pages, language):
    for name, (path, _description) in site_pages.items():
        title = parse(client.get(path if language == "de" else _en(path))).title
        assert title.count(SITE_NAME) == 1, (name, title)
    assert parse(client.get("/" if language == "de" else "/en/")).title == SITE_NAME


def test_home_page_title_is_the_site_name_once(client, site_pages):
    assert parse(client.get("/")).title == SITE_NAME
    assert parse(client.get(site_pages["standard"][0])).title == f"Impressum – {SITE_NAME}"


def test_error_pages_are_not_indexed_and_have_no_canonical(client, site_pages):
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    head = Head()
    head.feed(response.content.decode())
    assert head.noindex and not head.rel("canonical")


def test_time_elements_carry_valid_datetimes(client, site_pages, settings):
    """No fractions of a second (``|date:'c'``): the thread, forum, article and search pages."""
    from community import services
    from community.models import Thread

    thread = Thread.objects.get()
    services.post_reply(thread=thread, author=factories.ForumMemberFactory(), body="Eine Antwort.")
    seen = 0
    for path in (site_pages["thread"][0], site_pages["category"][0], site_pages["article_teaser"][0],
                 site_pages["article_index"][0], reverse("search") + "?q=Tagessatz"):
        head = parse(client.get(path))
        for time in head.times:
            assert VALID_DATETIME.match(time.get("datetime", "")), (path, time)
            seen += 1
    assert seen >= 4


def test_iso_datetime_filter():
    import datetime

    from hds_site.templatetags.hds_meta import iso_datetime

    berlin = datetime.timezone(datetime.timedelta(hours=1))
    value = datetime.datetime(2026, 12, 4, 18, 5, 7, 123456, tzinfo=berlin)
    assert iso_datetime(value) == "2026-12-04T17:05:07Z"
    assert iso_datetime(datetime.date(2026, 12, 4)) == "2026-12-04"
    assert iso_datetime(None) == ""


def _templates() -> list[Path]:
    roots = [BASE_DIR / name for name in ("hds_site", "community", "campaigns", "search")]
    return [path for root in roots for path in root.rglob("templates/**/*.html")]


def test_no_template_prints_a_machine_date_with_fractions_or_a_fixed_display_format():
    """The class of the defect: ``|date:'c'`` in a datetime attribute, ``|date:"j. M Y"`` in the text.

    Display dates name a localized format (``DATE_FORMAT``, ``ldate:"MEDIUM_DATE_FORMAT"``),
    machine dates use ``|iso_datetime``.
    """
    offenders = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"\|date:(['\"])(.*?)\1", text):
            if not re.fullmatch(r"[A-Z_]+", match.group(2)):
                offenders.append(f"{path.relative_to(BASE_DIR)}: {match.group(0)}")
        for match in re.finditer(r'datetime="([^"]*)"', text):
            if "iso_datetime" not in match.group(1):
                offenders.append(f"{path.relative_to(BASE_DIR)}: {match.group(0)}")
    assert not offenders, "\n".join(offenders)
