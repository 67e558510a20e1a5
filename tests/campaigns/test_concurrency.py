"""Many confirmations of one campaign at the same time, on PostgreSQL (real row locks)."""

import threading

import pytest
from django.db import connection, connections

from campaigns import selectors, services
from campaigns.models import MilestoneReached, Signature
from tests.factories import campaign_index, make_campaign, pending_signature

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

WORKERS = 55  # distinct signatures; plus DOUBLE_CLICKS duplicate confirmations (stay below max_connections)
DOUBLE_CLICKS = 10


def _run_in_threads(targets):
    barrier = threading.Barrier(len(targets))
    errors = []
    results = []

    def worker(fn):
        try:
            barrier.wait(timeout=30)
            results.append(fn())
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(fn,)) for fn in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def test_concurrent_confirmations_are_exact(postgres, settings):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (10_000, 600)
    campaign_index()
    campaign = make_campaign(title="Last", goal=100)
    ids = [pending_signature(campaign, email=f"c{i}@example.com").pk for i in range(WORKERS)]

    # some signatures confirmed twice at once: double clicks must not double-count
    targets = [lambda pk=pk: services.confirm_signature(signature_id=pk).outcome for pk in ids + ids[:DOUBLE_CLICKS]]
    results, errors = _run_in_threads(targets)

    assert errors == []
    assert results.count("confirmed") == WORKERS
    confirmed = Signature.objects.filter(campaign=campaign, status="confirmed").count()
    assert confirmed == WORKERS
    assert selectors.signature_count(campaign.pk) == confirmed
    assert not any(r.repaired for r in services.reconcile_counts(campaign=campaign))
    # 55 of 100: the 25 % and 50 % milestones, each recorded exactly once
    assert sorted(MilestoneReached.objects.filter(campaign=campaign).values_list("percent", flat=True)) == [25, 50]
    assert connection.vendor == "postgresql"


def test_reconcile_while_confirming_stays_exact(postgres, settings):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (10_000, 600)
    campaign_index()
    campaign = make_campaign(title="Abgleich", goal=10_000)
    ids = [pending_signature(campaign, email=f"r{i}@example.com").pk for i in range(50)]
    targets = [lambda pk=pk: services.confirm_signature(signature_id=pk).outcome for pk in ids]
    targets += [lambda: services.reconcile_counts(campaign=campaign) and "reconciled" for _ in range(5)]
    results, errors = _run_in_threads(targets)
    assert errors == []
    assert selectors.signature_count(campaign.pk) == 50 == Signature.objects.filter(status="confirmed").count()
