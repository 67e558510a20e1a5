import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from campaigns import selectors, services
from campaigns.models import CampaignPage, Signature
from tests.factories import confirmed_signature, make_campaign, pending_signature

pytestmark = pytest.mark.django_db


# --- anonymisation ----------------------------------------------------------------


def test_anonymise_after_period_keeps_counts(campaign, settings):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (1000, 600)
    for i in range(3):
        confirmed_signature(campaign, email=f"a{i}@example.com", postcode="80331", ip=f"10.1.1.{i}")
    pending_signature(campaign, email="p@example.com")
    before = selectors.bundesland_rows(campaign.pk)
    CampaignPage.objects.filter(pk=campaign.pk).update(phase="closed", closed_at=timezone.now() - timedelta(days=100))

    call_command("anonymise_signatures", stdout=open("/dev/null", "w"))
    assert Signature.objects.filter(anonymised_at__isnull=False).count() == 0  # not due yet (default ~6 months)

    CampaignPage.objects.filter(pk=campaign.pk).update(closed_at=timezone.now() - timedelta(days=200))
    call_command("anonymise_signatures", stdout=open("/dev/null", "w"))
    rows = list(Signature.objects.filter(campaign=campaign))
    assert len(rows) == 3  # unconfirmed ones are deleted
    for row in rows:
        assert (row.name, row.email, row.email_normalized, row.ip_hash, row.postcode) == ("", "", None, "", "")
        assert row.postcode_region == "80" and row.bundesland == "DE-BY" and row.confirmed_at
    assert selectors.signature_count(campaign.pk) == 3
    assert selectors.bundesland_rows(campaign.pk) == before
    assert all(name == "(anonymisiert)" for name, _plz, _r in selectors.export_rows(campaign))


def test_open_campaigns_are_never_anonymised(campaign):
    confirmed_signature(campaign)
    assert services.anonymise_signatures(after_days=0) == {}
    assert Signature.objects.get().email


# --- the signer's own data ----------------------------------------------------------


def test_data_request_by_emailed_link(client, campaign, commit, index):
    other = make_campaign(title="Zweite Kampagne", slug="zweite")
    confirmed_signature(campaign, email="Anna.B+x@gmail.com", name="Anna B")
    pending_signature(other, email="annab@gmail.com", name="Anna B")
    confirmed_signature(campaign, email="someone@example.com", name="Someone Else")
    mail.outbox.clear()
    with commit():
        response = client.post(reverse("campaigns:data_request"), {"email": "anna.b@googlemail.com"})
    assert response.status_code == 200
    assert len(mail.outbox) == 1
    path = re.search(r"https?://testserver(\S+)", mail.outbox[0].body).group(1)
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert campaign.title in html and "Zweite Kampagne" in html
    assert "Someone Else" not in html
    assert "zurueckziehen" in html  # withdraw links while open
    # a forged or foreign link shows nothing
    assert client.get(reverse("campaigns:my_data", args=["nope"])).status_code == 400


def test_data_request_does_not_reveal_membership(client, index, commit):
    with commit():
        response = client.post(reverse("campaigns:data_request"), {"email": "nobody@example.com"})
    assert response.status_code == 200  # same answer whether or not the address signed
    assert len(mail.outbox) == 1


def test_campaign_shows_privacy_notice(client, campaign):
    html = client.get(campaign.url).content.decode()
    assert "Datenschutz bei dieser Kampagne" in html
    assert reverse("campaigns:data_request") in html


# --- index, page, sharing, embed ------------------------------------------------------


def test_index_lists_open_and_successful_with_counts(client, index, settings):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (1000, 600)
    open_page = make_campaign(title="Offen", slug="offen", goal=10)
    done = make_campaign(title="Geschafft", slug="geschafft", goal=2)
    make_campaign(title="Entwurf", slug="entwurf", live=False)
    make_campaign(title="Gescheitert", slug="gescheitert", goal=100, phase="closed")
    confirmed_signature(open_page, email="o@example.com")
    for i in range(2):
        confirmed_signature(done, email=f"d{i}@example.com")
    CampaignPage.objects.filter(pk=done.pk).update(phase="closed")
    response = client.get(reverse("campaigns:index"), follow=True)
    assert response.status_code == 200
    ctx = response.context
    assert [c.slug for c in ctx["open_campaigns"]] == ["offen"]
    assert "Geschafft" in response.content.decode()
    assert [c.slug for c in ctx["successful_campaigns"]] == ["geschafft"]
    assert ctx["open_campaigns"][0].signature_count == 1
    html = response.content.decode()
    assert "Entwurf" not in html and "Gescheitert" not in html


def test_index_query_count_is_constant(client, index, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_campaign(title="Eins", slug="eins")
    client.get(index.url)
    with CaptureQueriesContext(connection) as small:
        client.get(index.url)
    for i in range(6):
        make_campaign(title=f"Mehr {i}", slug=f"mehr-{i}")
    with CaptureQueriesContext(connection) as large:
        client.get(index.url)
    assert len(large) == len(small)


def test_campaign_page_meta_share_links_and_chart(client, campaign, settings):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (1000, 600)
    confirmed_signature(campaign, email="b@example.com", postcode="80331", show_name=True, name="Berta Bayer")
    html = client.get(campaign.url).content.decode()
    assert '<meta property="og:title"' in html and 'name="twitter:card"' in html
    for host in ("mailto:?", "https://wa.me/", "https://mastodonshare.com/", "https://www.linkedin.com/sharing/"):
        assert host in html
    assert "<script src=\"http" not in html  # no third-party scripts
    assert '<svg class="region-chart" role="img"' in html and "<title id=\"region-chart-title\">" in html
    assert re.search(r"<th scope=\"row\">Bayern</th><td class=\"num\">1</td>", html)
    assert "Berta Bayer" in html
    assert 'data-campaign-live="/ws/campaigns/' in html


def test_embed_is_the_only_frameable_view(client, campaign):
    embed = client.get(campaign.url + "embed/")
    assert embed.status_code == 200
    assert "X-Frame-Options" not in embed
    assert "frame-ancestors *" in embed.get("Content-Security-Policy", "frame-ancestors *")
    page = client.get(campaign.url)
    assert page["X-Frame-Options"] == "DENY"
    html = embed.content.decode()
    assert campaign.title in html and "<progress" in html and "Jetzt unterschreiben" in html


# --- JSON API ---------------------------------------------------------------------------


def test_api_list_and_detail(client, campaign, settings):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (1000, 600)
    confirmed_signature(campaign, email="x@example.com", postcode="80331")
    confirmed_signature(campaign, email="y@example.com", country="AT", postcode="")
    make_campaign(title="Entwurf", slug="entwurf-api", live=False)
    response = client.get("/api/v1/campaigns/")
    assert response.status_code == 200
    assert "max-age=30" in response["Cache-Control"] and "public" in response["Cache-Control"]
    data = json.loads(response.content)
    assert [c["slug"] for c in data["campaigns"]] == [campaign.slug]
    item = data["campaigns"][0]
    assert item["signatures"] == 2 and item["goal"] == 100 and item["status"] == "open"
    assert item["url"].endswith(campaign.url) and item["counts_by_bundesland"] == {"DE-BY": 1, "XX": 1}

    detail = client.get(f"/api/v1/campaigns/{campaign.slug}/")
    body = json.loads(detail.content)
    assert set(body) >= {"slug", "title", "url", "status", "goal", "signatures", "deadline", "counts_by_bundesland"}
    assert body["counts_by_bundesland"]["DE-BY"] == 1
    # conditional GET
    again = client.get(f"/api/v1/campaigns/{campaign.slug}/", HTTP_IF_NONE_MATCH=detail["ETag"])
    assert again.status_code == 304
    assert client.get("/api/v1/campaigns/entwurf-api/").status_code == 404
