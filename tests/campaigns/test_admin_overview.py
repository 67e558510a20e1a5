"""The Wagtail admin's "Unterschriften prüfen" overview and the burst detection behind it.

Every campaign with its count and its flagged bursts of the last 48 hours, in a
constant number of queries (selectors.bursts_by_campaign), and the same result
as counting each campaign's signatures one by one in Python.
"""

import random
import statistics
from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns import selectors
from campaigns.models import Signature
from tests.factories import confirmed_signature, make_campaign, pending_signature

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (100_000, 600)
    settings.CAMPAIGNS_RATE_LIMIT_IP = (100_000, 600)


def _sign(campaign, n, *, ago, ip="198.51.100.1", domain="example.org", prefix="s"):
    """``n`` pending signatures through the service, then dated ``ago`` back (the test's only direct write)."""
    ids = [
        pending_signature(campaign, email=f"{prefix}{i}@{domain}", ip=ip).pk
        for i in range(n)
    ]
    Signature.objects.filter(pk__in=ids).update(created_at=timezone.now() - ago)
    return ids


def _reference(campaign_id, *, hours=48, bucket_minutes=10, factor=3.0, floor=10):
    """Bursts computed from every row in Python: the straightforward version the selector must agree with."""
    now = timezone.now()
    since = now - timedelta(hours=hours)
    size = bucket_minutes * 60
    buckets = {}
    for created_at, ip_hash, domain in Signature.objects.filter(campaign_id=campaign_id, created_at__gte=since).values_list(
        "created_at", "ip_hash", "email_domain"
    ):
        buckets.setdefault(int(created_at.timestamp()) // size, []).append((ip_hash, domain))
    first = int(since.timestamp()) // size
    counts = [len(buckets.get(first + i, [])) for i in range(hours * 60 // bucket_minutes + 1)]
    threshold = max(floor, statistics.median(counts) * factor)
    flagged = []
    for key in sorted(buckets):
        items = buckets[key]
        if len(items) >= threshold:
            start = datetime.fromtimestamp(key * size, tz=timezone.get_current_timezone())
            flagged.append({
                "start": start, "end": start + timedelta(seconds=size), "count": len(items),
                "top_ip_hashes": Counter(ip for ip, _ in items if ip).most_common(3),
                "top_domains": Counter(d for _, d in items if d).most_common(3),
            })
    return {"median": statistics.median(counts), "threshold": threshold, "bucket_minutes": bucket_minutes,
            "flagged": flagged}


def _comparable(summary):
    """Top lists as count-sorted multisets: ties may come in either order."""
    flagged = [
        {**item, "top_ip_hashes": sorted(n for _, n in item["top_ip_hashes"]),
         "top_domains": sorted(n for _, n in item["top_domains"])}
        for item in summary["flagged"]
    ]
    return {**summary, "flagged": flagged}


def test_bursts_match_a_row_by_row_count(index):
    rng = random.Random(20261127)
    busy = make_campaign(title="Viel los", slug="viel-los")
    quiet = make_campaign(title="Ruhig", slug="ruhig")
    # background: a signature every few hours, different addresses
    # (not within 20 minutes of the bursts below, whose counts are asserted)
    minutes = [m for m in range(47 * 60) if not (160 <= m <= 200 or 26 * 60 - 20 <= m <= 26 * 60 + 20)]
    for i in range(30):
        _sign(busy, 1, ago=timedelta(minutes=rng.choice(minutes)), ip=f"192.0.2.{i}", domain=f"d{i}.example",
              prefix=f"bg{i}-")
    # two bursts: 25 from one address three hours ago, 12 split over two domains yesterday
    _sign(busy, 25, ago=timedelta(hours=3, minutes=1), ip="203.0.113.9", domain="burst.example", prefix="b1-")
    # (both halves of the second burst inside one 10-minute bucket: 2 and 7 minutes into it)
    into_bucket = timedelta(seconds=int((timezone.now() - timedelta(hours=26)).timestamp()) % 600)
    _sign(busy, 7, ago=timedelta(hours=26) + into_bucket - timedelta(minutes=2), ip="203.0.113.10",
          domain="one.example", prefix="b2a-")
    _sign(busy, 5, ago=timedelta(hours=26) + into_bucket - timedelta(minutes=7), ip="203.0.113.11",
          domain="two.example", prefix="b2b-")
    # older than 48 hours: not looked at
    _sign(busy, 20, ago=timedelta(hours=49), ip="203.0.113.12", domain="old.example", prefix="old-")
    _sign(quiet, 3, ago=timedelta(hours=1), prefix="q-")

    found = selectors.bursts_by_campaign([busy.pk, quiet.pk])

    assert _comparable(found[busy.pk]) == _comparable(_reference(busy.pk))
    assert _comparable(found[quiet.pk]) == _comparable(_reference(quiet.pk))
    counts = sorted(item["count"] for item in found[busy.pk]["flagged"])
    assert counts == [12, 25]
    big = next(item for item in found[busy.pk]["flagged"] if item["count"] == 25)
    assert big["top_domains"] == [("burst.example", 25)]
    assert big["top_ip_hashes"][0][1] == 25 and big["end"] - big["start"] == timedelta(minutes=10)
    assert found[quiet.pk]["flagged"] == []
    assert selectors.bursts(busy.pk) == found[busy.pk]


def test_a_campaign_without_signatures_has_no_bursts(index):
    empty = make_campaign(title="Leer", slug="leer")
    assert selectors.bursts_by_campaign([empty.pk]) == {
        empty.pk: {"median": 0, "threshold": 10, "bucket_minutes": 10, "flagged": []}
    }


def test_overview_is_for_editors_and_moderators_only(client, campaign, editor, member):
    url = reverse("campaigns_admin_overview")
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(member)
    response = client.get(url)  # no admin access at all: Wagtail's login
    assert response.status_code == 302 and response["Location"].startswith("/cms/login/")
    client.force_login(editor)
    assert client.get(url).status_code == 200


def test_overview_lists_counts_and_bursts_in_constant_queries(client, campaign, editor):
    confirmed_signature(campaign, email="one@example.org")
    _sign(campaign, 15, ago=timedelta(hours=2), ip="203.0.113.9", domain="burst.example", prefix="a-")
    client.force_login(editor)
    url = reverse("campaigns_admin_overview")
    client.get(url)  # warm the per-process caches (site, menu)

    with CaptureQueriesContext(connection) as one:
        response = client.get(url)
    rows = response.context["rows"]
    assert [(row["page"].pk, row["count"], len(row["bursts"])) for row in rows] == [(campaign.pk, 1, 1)]
    html = response.content.decode()
    assert campaign.title in html and reverse("campaigns:moderation", args=[campaign.slug]) in html

    for n in range(3):
        other = make_campaign(title=f"Weitere Kampagne {n}", slug=f"weitere-{n}")
        confirmed_signature(other, email=f"x{n}@example.org")
        _sign(other, 12, ago=timedelta(hours=5 + n), ip=f"203.0.113.{20 + n}", domain=f"b{n}.example", prefix=f"o{n}-")
    with CaptureQueriesContext(connection) as four:
        response = client.get(url)
    rows = response.context["rows"]
    assert len(rows) == 4 and all(len(row["bursts"]) == 1 for row in rows)
    assert sorted(row["count"] for row in rows) == [1, 1, 1, 1]
    assert len(four) == len(one), [q["sql"] for q in four.captured_queries]
