"""The mail outbox (hds_site.mail): backoff, max attempts, privacy of errors, retention, the hds_mail command.

Runs on SQLite and PostgreSQL. SMTP failures are real: Django's SMTP backend
against a closed loopback port, or a local aiosmtpd server that refuses.
"""

import io
import logging
from datetime import timedelta

import pytest
from django.core import mail as django_mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from hds_site import mail
from hds_site.models import OutboxMail
from tests.smtp_server import Recorder, SMTPServer, free_port, use_smtp

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_down(settings):
    use_smtp(settings, free_port())  # nothing listens there: connection refused
    return settings.EMAIL_PORT


def test_backoff_doubles_from_a_minute_and_is_capped_at_an_hour():
    assert [mail.backoff(n).total_seconds() for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert mail.backoff(24) == timedelta(hours=1)
    assert mail.backoff(10_000) == timedelta(hours=1)  # no overflow


def test_backoff_follows_the_settings(settings):
    settings.HDS_MAIL_RETRY_BASE = 10
    settings.HDS_MAIL_RETRY_CAP = 50
    assert [mail.backoff(n).total_seconds() for n in range(1, 5)] == [10, 20, 40, 50]


def test_a_queued_mail_reaches_the_mailbox_and_its_body_is_erased():
    django_mail.outbox.clear()
    row = mail.queue(to="anna@example.com", subject="Bitte bestätigen", body="Hallo Anna, https://x/confirm/t/",
                     headers={"List-Unsubscribe": "<https://x/u/t/>"}, category="test")
    assert [m.to for m in django_mail.outbox] == [["anna@example.com"]]
    assert django_mail.outbox[0].extra_headers["List-Unsubscribe"] == "<https://x/u/t/>"
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 1 and row.sent_at
    assert row.body == "" and row.html == "" and row.headers == {}  # personal data gone at once


def test_nothing_is_queued_when_the_transaction_rolls_back():
    django_mail.outbox.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        mail.queue(to="anna@example.com", subject="x", body="y")
        raise RuntimeError
    assert django_mail.outbox == [] and not OutboxMail.objects.exists()


def test_a_key_queues_a_mail_once():
    django_mail.outbox.clear()
    assert mail.queue(to="a@example.com", subject="x", body="y", key="k:1") is not None
    assert mail.queue(to="a@example.com", subject="x", body="y", key="k:1") is None
    assert len(django_mail.outbox) == 1 and OutboxMail.objects.count() == 1


def test_a_failure_records_the_attempt_and_backs_off_without_personal_data(smtp_down, caplog):
    with caplog.at_level(logging.WARNING, logger="hds_site.mail"):
        before = timezone.now()
        row = mail.queue(to="anna.beispiel@example.com", subject="Hallo Anna Beispiel", body="Link", category="t")
    row.refresh_from_db()
    assert row.status == "pending" and row.attempts == 1
    assert row.last_error == "ConnectionRefusedError"
    assert before + timedelta(seconds=59) < row.next_attempt_at <= timezone.now() + timedelta(seconds=60)
    assert row.body == "Link"  # kept until it is sent
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "attempt 1 failed: ConnectionRefusedError" in logged
    assert "anna" not in logged.lower() and "example.com" not in logged
    # not due yet: the periodic job leaves it alone
    assert mail.deliver_due().skipped == 0
    row.refresh_from_db()
    assert row.attempts == 1


def test_after_max_attempts_the_mail_is_failed_and_logged_once(smtp_down, settings, caplog):
    settings.HDS_MAIL_MAX_ATTEMPTS = 3
    row = mail.queue(to="anna@example.com", subject="s", body="b")
    when = timezone.now()
    with caplog.at_level(logging.WARNING, logger="hds_site.mail"):
        for _ in range(6):
            when += timedelta(hours=2)  # every backoff has passed
            mail.deliver_due(now=when)
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 3 and row.failed_at
    assert row.last_error == "ConnectionRefusedError"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "failed for good after 3 attempts" in errors[0].getMessage()
    assert "anna" not in errors[0].getMessage()


def test_the_periodic_run_stops_at_an_unreachable_server(smtp_down):
    rows = [mail.queue(to=f"p{i}@example.com", subject="s", body="b") for i in range(3)]
    assert [r.attempts for r in OutboxMail.objects.all()] == [1, 1, 1]
    run = mail.deliver_due(now=timezone.now() + timedelta(minutes=5))
    assert (run.retry, run.sent) == (1, 0)
    # one attempt spent, not one per waiting mail
    assert sorted(OutboxMail.objects.values_list("attempts", flat=True)) == [1, 1, 2]
    assert len(rows) == 3


def test_a_refused_recipient_fails_at_once_and_the_command_reports_and_retries(settings):
    handler = Recorder(refuse={"weg@example.com"})
    server = SMTPServer(free_port(), handler)
    server.up()
    try:
        use_smtp(settings, server.port)
        refused = mail.queue(to="weg@example.com", subject="s", body="b")
        ok = mail.queue(to="da@example.com", subject="s", body="b")
        refused.refresh_from_db()
        ok.refresh_from_db()
        assert (refused.status, refused.attempts, refused.last_error) == ("failed", 1, "SMTPRecipientsRefused 550")
        assert ok.status == "sent"
        assert handler.counts() == {("da@example.com", "s"): 1}

        out = io.StringIO()
        call_command("hds_mail", "--status", stdout=out)
        assert "failed=1" in out.getvalue() and "sent=1" in out.getvalue()
        assert "SMTPRecipientsRefused 550" in out.getvalue() and "weg@" not in out.getvalue()

        handler.refuse.clear()  # the mailbox exists again
        out = io.StringIO()
        call_command("hds_mail", "--retry-failed", stdout=out)
        assert "1 failed mail(s) queued again" in out.getvalue()
        refused.refresh_from_db()
        assert refused.status == "sent"
        assert handler.counts() == {("da@example.com", "s"): 1, ("weg@example.com", "s"): 1}
    finally:
        server.down()


def test_prune_deletes_old_records_and_keeps_recent_and_pending():
    now = timezone.now()
    old = OutboxMail.objects.create(to=["a@example.com"], subject="s", status="sent", next_attempt_at=now,
                                    sent_at=now - timedelta(days=31))
    recent = OutboxMail.objects.create(to=["b@example.com"], subject="s", status="sent", next_attempt_at=now,
                                       sent_at=now - timedelta(days=29))
    failed = OutboxMail.objects.create(to=["c@example.com"], subject="s", status="failed", next_attempt_at=now,
                                       failed_at=now - timedelta(days=31))
    pending = OutboxMail.objects.create(to=["d@example.com"], subject="s", next_attempt_at=now + timedelta(days=1))
    OutboxMail.objects.filter(pk=pending.pk).update(created_at=now - timedelta(days=90))
    out = io.StringIO()
    call_command("hds_mail", "--prune", stdout=out)
    assert "2 old record(s) deleted" in out.getvalue()
    assert set(OutboxMail.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}
    assert old.pk and failed.pk


def test_the_command_needs_an_action():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("hds_mail")


def test_a_fan_out_is_delivered_after_commit_by_one_task(django_capture_on_commit_callbacks):
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic(), mail.one_delivery():
            for i in range(3):
                mail.queue(to=f"p{i}@example.com", subject="s", body="b")
            assert django_mail.outbox == []  # nothing before commit
    assert len(callbacks) == 1  # one task for the whole fan-out
    assert sorted(m.to[0] for m in django_mail.outbox) == ["p0@example.com", "p1@example.com", "p2@example.com"]
    assert set(OutboxMail.objects.values_list("status", flat=True)) == {"sent"}


def test_a_fan_out_stops_at_an_unreachable_server_and_the_rest_waits_for_the_job(
    smtp_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic(), mail.one_delivery():
            for i in range(3):
                mail.queue(to=f"p{i}@example.com", subject="s", body="b")
    assert sorted(OutboxMail.objects.values_list("attempts", flat=True)) == [0, 0, 1]
    assert OutboxMail.objects.filter(status="pending").count() == 3


# --- mails composed at delivery (queue_composed) ------------------------------------------------------------

COMPOSED_CALLS = []


def compose_greeting(*, name: str, send: bool = True):
    """A composer for the tests below (found by its dotted path, as the outbox finds every composer)."""
    COMPOSED_CALLS.append(name)
    if name == "boom":
        raise LookupError("the data the mail is about is missing")
    if not send:
        return None
    return mail.Composed(subject=f"Hallo\n {name}", body=f"Guten Tag, {name}.", headers={"X-Test": "1"})


COMPOSER = "tests.test_mail.compose_greeting"


def test_a_composed_mail_is_written_without_text_and_composed_at_delivery(django_capture_on_commit_callbacks):
    django_mail.outbox.clear()
    COMPOSED_CALLS.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        row = mail.queue_composed(to="anna@example.com", composer=COMPOSER, params={"name": "Anna"},
                                  category="greeting")
        assert COMPOSED_CALLS == []  # nothing rendered while the caller's transaction is open
    row.refresh_from_db()
    assert row.status == "pending" and row.subject == "" and row.body == "" and row.to == ["anna@example.com"]
    for callback in callbacks:
        callback()
    assert COMPOSED_CALLS == ["Anna"]
    [sent] = django_mail.outbox
    assert sent.to == ["anna@example.com"] and sent.subject == "Hallo Anna" and sent.body == "Guten Tag, Anna."
    assert sent.extra_headers["X-Test"] == "1"
    row.refresh_from_db()
    # the record keeps recipient and subject; text, headers and the composer's arguments are gone
    assert row.status == "sent" and row.subject == "Hallo Anna" and row.body == "" and row.params == {}


def test_a_composer_with_nothing_to_send_drops_the_mail_and_prune_removes_it_later():
    django_mail.outbox.clear()
    row = mail.queue_composed(to="anna@example.com", composer=COMPOSER, params={"name": "Anna", "send": False})
    row.refresh_from_db()
    assert django_mail.outbox == [] and row.status == "dropped" and row.attempts == 1 and row.params == {}
    assert mail.deliver(row.pk).status == "skipped"  # never picked up again
    assert mail.prune() == 0
    assert mail.prune(now=timezone.now() + timedelta(days=31)) == 1 and not OutboxMail.objects.exists()


def test_a_failing_composer_is_retried_with_backoff_and_logged(caplog):
    django_mail.outbox.clear()
    with caplog.at_level(logging.ERROR, logger="hds_site.mail"):
        row = mail.queue_composed(to="anna@example.com", composer=COMPOSER, params={"name": "boom"})
    row.refresh_from_db()
    assert django_mail.outbox == [] and row.status == "pending" and row.attempts == 1
    assert row.last_error == "LookupError" and row.next_attempt_at > timezone.now()
    assert any("composing mail" in r.getMessage() for r in caplog.records)


def test_a_composed_mail_with_a_key_is_queued_once():
    assert mail.queue_composed(to="a@example.com", composer=COMPOSER, params={"name": "A"}, key="k:1") is not None
    assert mail.queue_composed(to="a@example.com", composer=COMPOSER, params={"name": "A"}, key="k:1") is None
    assert OutboxMail.objects.count() == 1


def test_with_the_database_task_backend_the_delivery_task_commits_with_the_mail(settings):
    """django-tasks-db (production): the task row is written in the queueing transaction, so a rollback
    leaves neither mail nor task, and a commit both (no second transaction after commit)."""
    from django_tasks import task_backends
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # django-tasks resets its handler
    assert type(task_backends["default"]).__name__ == "DatabaseBackend"
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            mail.queue_composed(to="anna@example.com", composer=COMPOSER, params={"name": "Anna"})
            assert DBTaskResult.objects.count() == 1
            raise RuntimeError
        assert not OutboxMail.objects.exists() and not DBTaskResult.objects.exists()
        with transaction.atomic():
            row = mail.queue_composed(to="anna@example.com", composer=COMPOSER, params={"name": "Anna"})
        [task_row] = DBTaskResult.objects.all()
        assert task_row.task_path == "hds_site.mail.deliver_mail"
        assert task_row.args_kwargs["kwargs"] == {"mail_id": row.pk}
    finally:
        del settings.TASKS
