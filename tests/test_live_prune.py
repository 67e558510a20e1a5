"""Pruning the live-event replay log (hds_site.realtime.prune_events, manage.py prune_live_events).

The consumers' answer to a client from before the remaining log (``resync``)
is tested with real WebSockets in tests/community/test_live.py and
tests/campaigns/test_live.py.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from hds_site import realtime
from hds_site.models import LiveEvent, LiveStream

pytestmark = pytest.mark.django_db


def _age(group: str, seq: int, days: float) -> None:
    LiveEvent.objects.filter(group=group, seq=seq).update(created_at=timezone.now() - timedelta(days=days))


def test_prune_deletes_only_events_past_the_retention(settings):
    for _n in range(5):
        realtime.publish("thread.1", "thread.locked", {"thread_id": 1})
    realtime.publish("thread.2", "thread.locked", {"thread_id": 2})
    _age("thread.1", 1, 30)
    _age("thread.1", 2, 7.1)
    _age("thread.1", 3, 6.9)
    _age("thread.2", 1, 8)
    assert realtime.prune_events(batch_size=1) == 3  # batches: several rounds
    assert list(LiveEvent.objects.filter(group="thread.1").values_list("seq", flat=True)) == [3, 4, 5]
    assert not LiveEvent.objects.filter(group="thread.2").exists()
    # sequence numbers never restart: the next event continues after the pruned ones
    assert LiveStream.objects.get(group="thread.2").last_seq == 1
    assert realtime.publish("thread.2", "thread.locked", {"thread_id": 2})["seq"] == 2

    settings.HDS_LIVE_EVENT_RETENTION_DAYS = 5
    _age("thread.1", 3, 6)
    assert realtime.prune_events() == 1


def test_replay_since_reports_a_gap_left_by_pruning():
    for _ in range(4):
        realtime.publish("thread.9", "thread.locked", {"thread_id": 9})
    assert [e["seq"] for e in realtime.replay_since("thread.9", 0)] == [1, 2, 3, 4]
    _age("thread.9", 1, 10)
    _age("thread.9", 2, 10)
    realtime.prune_events()
    assert realtime.replay_since("thread.9", 0) is None  # 1 and 2 are gone
    assert realtime.replay_since("thread.9", 1) is None  # 2 is gone
    assert [e["seq"] for e in realtime.replay_since("thread.9", 2)] == [3, 4]
    assert realtime.replay_since("thread.9", 4) == []  # up to date
    _age("thread.9", 3, 10)
    _age("thread.9", 4, 10)
    realtime.prune_events()
    assert realtime.replay_since("thread.9", 3) is None  # everything after 3 is gone
    assert realtime.replay_since("thread.9", 4) == []
    assert realtime.replay_since("thread.unknown", 0) == []


def test_command_and_periodic_job():
    realtime.publish("user.1", "notifications.read", {"unread_count": 0})
    _age("user.1", 1, 3)
    out = StringIO()
    call_command("prune_live_events", stdout=out)
    assert "0 event(s) older than 7 day(s) deleted" in out.getvalue()
    call_command("prune_live_events", "--days", "2", stdout=out)
    assert "1 event(s) older than 2 day(s) deleted" in out.getvalue()
    assert not LiveEvent.objects.exists()

    from wagtail import hooks

    jobs = [job for fn in hooks.get_hooks("hds_periodic_jobs") for job in fn()]
    prune = [job for job in jobs if job.command == "prune_live_events"]
    assert len(prune) == 1 and prune[0].every == 24 * 3600
