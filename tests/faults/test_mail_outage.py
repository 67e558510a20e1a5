"""The mail server is unreachable: requests succeed, mails wait in the outbox with backoff,
and all arrive exactly once after it returns — also when two delivery runs overlap.

PostgreSQL (row locks, SKIP LOCKED, real commits seen by other threads), a real
SMTP server (aiosmtpd on a loopback port) behind Django's SMTP backend.
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from hds_site import mail
from hds_site.models import OutboxMail
from tests.smtp_server import Recorder, SMTPServer, free_port, use_smtp

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp(postgres, settings):
    server = SMTPServer(free_port(), Recorder())
    use_smtp(settings, server.port)
    yield server  # starts down: nothing listens on the port
    server.down()


def _sign_form(email):
    from campaigns import consent

    return {"name": "Anna Beispiel", "email": email, "country": "DE", "postcode": "10115", "consent": "on",
            "consent_version": consent.CURRENT_VERSION, "website": ""}


def _time_passes(minutes: int) -> None:
    """As if ``minutes`` had passed: every pending mail is due (the backoff is at most that long)."""
    OutboxMail.objects.filter(status="pending").update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_mails_wait_while_the_server_is_down_and_arrive_once_when_it_returns(smtp, client, settings):
    from community import services as forum
    from tests.factories import ForumMemberFactory, campaign_index, forum_thread, make_campaign

    settings.HDS_FORUM_PREMODERATION = {"enabled": False}
    campaign_index()
    campaign = make_campaign()
    thread = forum_thread()
    forum.set_email_mode(user=thread.author, mode="immediate")

    # the server is down: a person signs, a forum reply notifies the thread's author
    response = client.post(campaign.url, _sign_form("anna@example.com"))
    assert response.status_code == 200 and "Bitte bestätigen" in response.content.decode()
    forum.post_reply(thread=thread, author=ForumMemberFactory(display_name="Gustav"), body="Antwort",
                     enforce_limits=False)

    rows = list(OutboxMail.objects.order_by("pk"))
    assert [r.to for r in rows] == [["anna@example.com"], [thread.author.email]]
    now = timezone.now()
    for row in rows:
        assert row.status == "pending" and row.attempts == 1
        assert row.last_error == "ConnectionRefusedError"
        assert now + timedelta(seconds=30) < row.next_attempt_at <= now + timedelta(seconds=60)
    assert smtp.handler.received == []

    # before the backoff has passed, the periodic job leaves them alone
    call_command("hds_mail", "--deliver-due")
    assert OutboxMail.objects.filter(attempts=1, status="pending").count() == 2

    # still down at the next turn: one more attempt, a longer wait
    _time_passes(minutes=1)
    call_command("hds_mail", "--deliver-due")
    assert sorted(OutboxMail.objects.values_list("attempts", flat=True)) == [1, 2]

    # the server returns; the backoff has passed
    smtp.up()
    _time_passes(minutes=2)
    call_command("hds_mail", "--deliver-due")
    counts = smtp.handler.counts()
    assert sorted(rcpt for rcpt, _ in counts) == sorted(["anna@example.com", thread.author.email])
    assert set(counts.values()) == {1}
    assert any("Gustav" in subject for _, subject in counts)
    assert any("/kampagnen/" in body or "bestaetigen" in body for body in smtp.handler.bodies)
    assert set(OutboxMail.objects.values_list("status", flat=True)) == {"sent"}
    assert set(OutboxMail.objects.values_list("body", flat=True)) == {""}

    # running it again sends nothing more
    _time_passes(minutes=60)
    call_command("hds_mail", "--deliver-due")
    assert smtp.handler.counts() == counts


def test_two_concurrent_delivery_runs_never_send_a_mail_twice(smtp):
    # forty mails queued while the server is down
    for i in range(40):
        mail.queue(to=f"person{i}@example.com", subject=f"Mail {i}", body="Hallo", category="test")
    assert OutboxMail.objects.filter(status="pending", attempts=1).count() == 40

    smtp.handler.delay = 0.01  # a slow server: the two runs overlap for the whole batch
    smtp.up()
    _time_passes(minutes=1)
    start = threading.Barrier(2)
    runs, errors = [], []

    def worker():
        try:
            start.wait()
            runs.append(mail.deliver_due())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    counts = smtp.handler.counts()
    assert len(counts) == 40 and set(counts.values()) == {1}, Counter(counts.values())
    assert sum(run.sent for run in runs) == 40
    assert OutboxMail.objects.filter(status="sent", attempts=2).count() == 40
    assert connection.vendor == "postgresql"
