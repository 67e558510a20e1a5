"""Campaign texts are German: inside the English UI (/en/…) they carry lang="de" (WCAG 3.1.2).

What editors and organisers wrote (title, teaser, demands, body, addressee,
response, updates) is marked; the UI around it stays English. In the German UI
nothing is marked.
"""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from campaigns import services
from campaigns.models import CampaignPage
from tests.factories import make_campaign

pytestmark = pytest.mark.django_db


def _get(client, url_name_or_page, *args, language="en"):
    """GET in the given UI language; restores the test thread's language afterwards."""
    with translation.override(language):
        url = url_name_or_page.url if hasattr(url_name_or_page, "url") else reverse(url_name_or_page, args=args)
        response = client.get(url)
    assert response.status_code == 200, url
    return url, response.content.decode()


@pytest.fixture
def german_campaign(index, organiser, commit):
    page = make_campaign(organisers=[organiser], teaser="Damit Selbstständige abgesichert sind.")
    with commit():
        services.post_update(campaign=page, author=organiser, title="Erste Etappe geschafft", body="Danke an alle!")
    return CampaignPage.objects.get(pk=page.pk)


def test_campaign_page_in_english_ui_marks_german_texts(client, german_campaign):
    url, html = _get(client, german_campaign)
    assert url.startswith("/en/")
    assert '<html lang="en">' in html
    assert '<h1 lang="de">Mehr Schutz für Solo-Selbstständige</h1>' in html
    assert '<p class="lead" lang="de">Damit Selbstständige abgesichert sind.</p>' in html
    assert re.search(r'<div class="rich-text" lang="de">\s*<ul><li>Faire Beiträge</li></ul>', html)
    assert 'To: <span lang="de">Bundesministerium für Arbeit und Soziales</span>' in html  # UI sentence, German name
    assert '<h3 lang="de">Erste Etappe geschafft</h3>' in html
    assert re.search(r'<div lang="de"><p>Danke an alle!</p></div>', html)
    assert ">Our demands<" in html  # the UI around the content is English


def test_campaign_page_in_german_ui_has_no_extra_lang(client, german_campaign):
    _url, html = _get(client, german_campaign, language="de")
    assert '<html lang="de">' in html
    # no lang attribute besides <html>'s (hreflang="de" on the alternate link is not one)
    assert not re.search(r'(?<![\w-])lang="de"', html.split("<html", 1)[1].split(">", 1)[1])
    assert "<h1>Mehr Schutz für Solo-Selbstständige</h1>" in html
    assert "An: Bundesministerium für Arbeit und Soziales" in html


def test_response_of_the_addressee_is_marked(client, german_campaign, organiser):
    services.publish_response(campaign=german_campaign, actor=organiser, response="Wir prüfen das.")
    _url, html = _get(client, CampaignPage.objects.get(pk=german_campaign.pk))
    assert 'Response from <span lang="de">Bundesministerium für Arbeit und Soziales</span>' in html
    assert re.search(r'<div class="rich-text" lang="de">\s*<p>Wir prüfen das.</p>', html)


def test_index_cards_in_english_ui_are_marked(client, german_campaign):
    _url, html = _get(client, german_campaign.get_parent().specific)
    assert re.search(r'<h3><a href="/en/[^"]+"\s*lang="de">Mehr Schutz für Solo-Selbstständige</a></h3>', html)
    assert '<p lang="de">Damit Selbstständige abgesichert sind.</p>' in html
    assert 'To: <span lang="de">Bundesministerium für Arbeit und Soziales</span>' in html


def test_widget_in_english_ui_marks_the_title(client, german_campaign):
    with translation.override("en"):
        url = german_campaign.url + "embed/"
        html = client.get(url).content.decode()
    assert url.startswith("/en/")
    assert '<html lang="en">' in html
    assert re.search(r'<a href="[^"]+" target="_blank" rel="noopener" lang="de">Mehr Schutz für Solo-Selbstständige</a>', html)


def test_dashboard_in_english_ui_marks_organiser_texts(client, german_campaign, organiser):
    client.force_login(organiser)
    _url, html = _get(client, "campaigns:dashboard", german_campaign.slug)
    assert '<h1>Dashboard: <span lang="de">Mehr Schutz für Solo-Selbstständige</span></h1>' in html
    assert ': <span lang="de">Erste Etappe geschafft</span> (' in html
    _url, german = _get(client, "campaigns:dashboard", german_campaign.slug, language="de")
    assert "<h1>Dashboard: Mehr Schutz für Solo-Selbstständige</h1>" in german


def test_lang_filter_escapes_content(client, index, organiser):
    page = make_campaign(title="<b>Fett</b> & mehr", slug="fett", organisers=[organiser])
    _url, html = _get(client, page)
    assert '<h1 lang="de">&lt;b&gt;Fett&lt;/b&gt; &amp; mehr</h1>' in html
    client.force_login(organiser)
    _url, html = _get(client, "campaigns:dashboard", page.slug)
    assert 'Dashboard: <span lang="de">&lt;b&gt;Fett&lt;/b&gt; &amp; mehr</span>' in html
