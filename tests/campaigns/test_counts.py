from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from campaigns import abuse, selectors, services
from campaigns.models import COUNTER_SHARDS, AuditLogEntry, CampaignCounterShard, MilestoneReached, Signature
from tests.factories import confirmed_signature, make_campaign, pending_signature

pytestmark = pytest.mark.django_db


def confirmed_count(campaign):
    return Signature.objects.filter(campaign=campaign, status="confirmed").count()


def test_count_is_sum_of_shards_and_spreads(campaign, settings):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (1000, 600)
    for i in range(40):
        confirmed_signature(campaign, email=f"s{i}@example.com")
    shards = CampaignCounterShard.objects.filter(campaign=campaign)
    assert shards.count() == COUNTER_SHARDS
    assert shards.aggregate(t=Sum("count"))["t"] == 40 == selectors.signature_count(campaign.pk)
    assert shards.filter(count__gt=0).count() > 1  # writers do not all meet on one row


def test_shards_are_created_on_demand(index):
    page = make_campaign(title="Ohne Shards")
    CampaignCounterShard.objects.filter(campaign=page).delete()
    confirmed_signature(page)
    assert selectors.signature_count(page.pk) == 1


def test_bulk_invalidation_preview_then_apply(client, campaign, editor, settings, commit):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (1000, 600)
    bad_ip = "203.0.113.7"
    for i in range(6):
        confirmed_signature(campaign, email=f"bot{i}@spam-domain.example", ip=bad_ip)
    pending_signature(campaign, email="bot-pending@spam-domain.example", ip=bad_ip)
    for i in range(4):
        confirmed_signature(campaign, email=f"real{i}@example.com", ip=f"198.51.100.{i}")
    assert selectors.signature_count(campaign.pk) == 10
    url = reverse("campaigns:moderation", args=[campaign.slug])
    client.force_login(editor)
    ip_hash = abuse.hash_ip(bad_ip)

    # preview changes nothing
    response = client.post(url, {"ip_hash": ip_hash})
    assert response.status_code == 200
    preview = response.context["preview"]
    assert (preview["total"], preview["confirmed"], preview["pending"]) == (7, 6, 1)
    assert selectors.signature_count(campaign.pk) == 10

    with commit():
        response = client.post(url, {"ip_hash": ip_hash, "reason": "Bot", "apply": "1"})
    assert response.context["done"] == 7
    # invalid signatures stop counting at once, and the counter stays exact
    assert selectors.signature_count(campaign.pk) == 4 == confirmed_count(campaign)
    entry = AuditLogEntry.objects.get(action="invalidate")
    assert entry.actor == editor and entry.row_count == 7
    # an invalidated pending signature can no longer be confirmed
    bot = Signature.objects.get(email="bot-pending@spam-domain.example")
    assert services.confirm_signature(signature_id=bot.pk).outcome == "invalid"


def test_invalidation_by_domain_and_window(campaign, editor, settings):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (1000, 600)
    early = confirmed_signature(campaign, email="a@x-domain.example")
    Signature.objects.filter(pk=early.pk).update(created_at=timezone.now() - timedelta(hours=5))
    confirmed_signature(campaign, email="b@x-domain.example")
    confirmed_signature(campaign, email="c@example.com")
    now = timezone.now()
    n = services.invalidate_signatures(
        campaign=campaign, actor=editor, domain="x-domain.example", since=now - timedelta(hours=1), until=now
    )
    assert n == 1
    assert selectors.signature_count(campaign.pk) == 2 == confirmed_count(campaign)


def test_invalidation_needs_a_filter_and_permission(client, campaign, editor, member):
    with pytest.raises(PermissionDenied):
        services.invalidate_signatures(campaign=campaign, actor=member, domain="example.com")
    client.force_login(member)
    assert client.get(reverse("campaigns:moderation", args=[campaign.slug])).status_code == 403
    client.force_login(editor)
    response = client.post(reverse("campaigns:moderation", args=[campaign.slug]), {"reason": "alles"})
    assert response.context["preview"] is None
    assert "mindestens einen Filter" in response.content.decode()


def test_bursts_are_flagged(campaign, settings):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (1000, 600)
    settings.CAMPAIGNS_RATE_LIMIT_IP = (1000, 600)
    for i in range(15):
        pending_signature(campaign, email=f"burst{i}@burst.example", ip="203.0.113.9")
    result = selectors.bursts(campaign.pk)
    assert result["flagged"] and result["flagged"][0]["count"] == 15
    assert result["flagged"][0]["top_domains"][0] == ("burst.example", 15)


def test_reconcile_repairs_and_reports(campaign, settings):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (1000, 600)
    for i in range(5):
        confirmed_signature(campaign, email=f"r{i}@example.com")
    CampaignCounterShard.objects.filter(campaign=campaign, shard=3).update(count=99)  # drift
    out = __import__("io").StringIO()
    call_command("reconcile_counts", stdout=out)
    assert "repaired: 1" in out.getvalue()
    assert selectors.signature_count(campaign.pk) == 5
    entry = AuditLogEntry.objects.get(action="reconcile")
    assert entry.details["actual"] == 5 and entry.details["shown"] != 5
    reports = services.reconcile_counts(campaign=campaign)
    assert not reports[0].repaired


def test_milestones_notify_once(campaign, organiser, commit, settings):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (1000, 600)
    # goal 100, milestones 25/50/75/100
    signer = pending_signature(campaign, email="fan@example.com", updates_opt_in=True)
    with commit():
        services.confirm_signature(signature_id=signer.pk)
    for i in range(30):
        signature = pending_signature(campaign, email=f"m{i}@example.com")
        with commit():
            services.confirm_signature(signature_id=signature.pk)
    assert list(MilestoneReached.objects.filter(campaign=campaign).values_list("percent", flat=True)) == [25]
    milestone_mails = [m for m in mail.outbox if "25 %" in m.subject]
    assert sorted(m.to[0] for m in milestone_mails) == ["fan@example.com", "orga@example.com"]
    assert all("abbestellen" in m.body for m in milestone_mails if m.to == ["fan@example.com"])
    # the check is idempotent: running it again sends nothing
    mail.outbox.clear()
    with commit():
        services.check_milestones_reached(campaign_id=campaign.pk)
        services.reconcile_counts(campaign=campaign)
    assert not [m for m in mail.outbox if "%" in m.subject]


def test_withdraw_and_confirm_keep_count_exact(campaign, settings):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (1000, 600)
    signatures = [confirmed_signature(campaign, email=f"w{i}@example.com") for i in range(6)]
    for signature in signatures[:3]:
        services.withdraw_signature(signature_id=signature.pk)
        services.withdraw_signature(signature_id=signature.pk)  # twice: no double decrement
    assert selectors.signature_count(campaign.pk) == 3 == confirmed_count(campaign)


# --- bulk import (campaigns.demo and moves from other tools) ---------------------------


def test_import_confirmed_signatures_keeps_the_counter_exact(campaign, django_capture_on_commit_callbacks):
    when = timezone.now() - timedelta(days=3)
    confirmed_signature(campaign, email="Schon.Da@gmail.com")
    mail.outbox.clear()
    rows = [
        services.ImportedSignature(name=" Anna A ", email="anna@example.org", postcode="80331", signed_at=when),
        services.ImportedSignature(name="Anna again", email="ANNA@example.org", postcode="10115", signed_at=when),
        services.ImportedSignature(name="Schon da", email="schonda@googlemail.com", signed_at=when),  # signed already
        services.ImportedSignature(name="Ali", email="ali@example.at", country="at", postcode="1010", signed_at=when,
                                   confirmed_at=when + timedelta(minutes=5), show_name=True, updates_opt_in=True),
    ] + [services.ImportedSignature(name=f"N{i}", email=f"n{i}@example.org", postcode="01454", signed_at=when)
         for i in range(30)]
    with django_capture_on_commit_callbacks(execute=True):
        created = services.import_confirmed_signatures(campaign=campaign, signatures=iter(rows), batch_size=7)
    assert created == 32
    assert selectors.signature_count(campaign.pk) == confirmed_count(campaign) == 33
    assert mail.outbox == [] and not MilestoneReached.objects.filter(campaign=campaign).exists()  # no mails
    anna = Signature.objects.get(campaign=campaign, email_normalized="anna@example.org")
    assert (anna.name, anna.postcode, anna.postcode_region, anna.bundesland, anna.email_domain) == (
        "Anna A", "80331", "80", "DE-BY", "example.org")
    assert anna.status == "confirmed" and anna.created_at == anna.consent_at == anna.confirmed_at == when
    ali = Signature.objects.get(campaign=campaign, email="ali@example.at")
    assert (ali.country, ali.postcode, ali.bundesland, ali.show_name) == ("AT", "", "", True)
    assert ali.updates_consent_at == when and ali.confirmed_at == when + timedelta(minutes=5)
    assert all(report.shown == report.actual for report in services.reconcile_counts(campaign=campaign))
    # a second run of the same import adds nothing
    assert services.import_confirmed_signatures(campaign=campaign, signatures=rows) == 0
    assert selectors.signature_count(campaign.pk) == 33


def test_import_refuses_an_unknown_consent_version(campaign):
    row = services.ImportedSignature(name="X", email="x@example.org", signed_at=timezone.now(), consent_version="v0")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="consent version"):
        services.import_confirmed_signatures(campaign=campaign, signatures=[row])
    assert selectors.signature_count(campaign.pk) == 0 and not Signature.objects.exists()


def test_demo_campaigns_go_through_the_import_service(index):
    """campaigns.demo: three campaigns whose counters match their rows without any repair."""
    import io

    from campaigns import demo
    from campaigns.models import CampaignPage

    out = io.StringIO()
    demo.seed(out)
    assert "repaired" not in out.getvalue()
    for spec in demo.CAMPAIGNS:
        page = CampaignPage.objects.get(slug=spec["slug"])
        assert selectors.signature_count(page.pk) == confirmed_count(page) == spec["signatures"]
        assert CampaignCounterShard.objects.filter(campaign=page).aggregate(n=Sum("count"))["n"] == spec["signatures"]
