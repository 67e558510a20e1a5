"""Every email of the platform leaves through here: a transactional outbox.

Writing: a service (or the task that composes a mail) calls ``queue()`` or
``queue_templated()`` *inside its transaction*. That writes an ``OutboxMail``
row; a rolled-back change therefore sends nothing, and a committed one cannot
lose its mail, whatever happens to the process afterwards. After commit the
``deliver_mail`` task tries to send it at once (immediate backend: in the same
process; django-tasks-db: in ``db_worker``).

Delivering: ``deliver()`` claims one due row with ``SELECT … FOR UPDATE SKIP
LOCKED`` (PostgreSQL; SQLite's ``transaction_mode=IMMEDIATE`` makes every
transaction the single writer), sends it, and marks it sent in the *same*
transaction. Two workers therefore never send one row twice. What remains is
an at-least-once window: the SMTP server accepted the mail and the process
dies (or the database goes away) before that transaction commits; the row is
still pending and is sent again later. No SMTP transport can close that
window, the outbox keeps it as small as one message.

Failures: an SMTP or connection error records the attempt and its error class
(never the server's text, which can quote the address), and schedules the next
attempt with exponential backoff (``HDS_MAIL_RETRY_BASE`` seconds doubled per
attempt, at most ``HDS_MAIL_RETRY_CAP``). After ``HDS_MAIL_MAX_ATTEMPTS`` tries
the row is marked failed and logged once. Due rows are picked up by
``manage.py hds_mail --deliver-due`` (a periodic job of ``manage.py clock``,
every minute) and, where the task backend can defer, by a task enqueued with
``run_after``.

Composed at delivery: ``queue_composed()`` writes the row with the recipient,
the dotted path of a composing function and its keyword arguments instead of
the text. ``deliver()`` calls the composer in the claiming transaction; it
returns a ``Composed`` (subject, body, headers) or None when by then there is
nothing to send (the row becomes "dropped"). A request that queues a mail pays
for one INSERT, not for rendering it: the signing form's confirmation mail.

Enqueueing: with the database task backend (production) the delivery task is
written in the queueing transaction itself, so it commits (or rolls back) with
the mail; with other backends (the immediate one in development and tests
runs the task at once) it is enqueued after commit.

Redaction: a mail must never say more than the pages do by the time it leaves.
Mails that quote changeable content (a forum post, a member's name) are
composed at delivery (``queue_composed``), so a post hidden, deleted or edited
and a member renamed or deleted after queueing are sent as they are then.
Account deletion calls ``forget_recipient()`` in its transaction: every row
addressed to the member goes, unsent ones included.

Privacy: once sent, the body, HTML and headers (names, confirmation and
unsubscribe links) are erased at once. The small record left (recipient,
subject, timestamps) is deleted after ``HDS_MAIL_RETENTION_DAYS`` (30), as are
failed rows (``manage.py hds_mail --prune``, daily).

Imports: only Django and ``hds_site``; the apps import this module.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django_tasks import default_task_backend, task

from .models import OutboxMail

logger = logging.getLogger("hds_site.mail")

# seconds; defaults give 1, 2, 4, … 32 minutes, then hourly: 24 attempts cover about 19 hours of outage
RETRY_BASE = 60
RETRY_CAP = 60 * 60
MAX_ATTEMPTS = 24
RETENTION_DAYS = 30
BATCH = 200

# errors worth another try later: the server is down, refuses for now (4xx), or the network failed
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after ``attempts`` failed ones (1 → base, 2 → 2·base, … capped)."""
    base, cap = _setting("HDS_MAIL_RETRY_BASE", RETRY_BASE), _setting("HDS_MAIL_RETRY_CAP", RETRY_CAP)
    exponent = max(attempts - 1, 0)
    return timedelta(seconds=min(cap, base * 2 ** min(exponent, 32)))


def max_attempts() -> int:
    return _setting("HDS_MAIL_MAX_ATTEMPTS", MAX_ATTEMPTS)


# --- writing ---------------------------------------------------------------------------------


def render(template: str, context: dict, *, subject: str | None = None) -> tuple[str, str]:
    """Render ``<template>.txt`` and, unless ``subject`` is given, ``<template>_subject.txt``
    in the site language, with ``SITE_NAME`` and ``SITE_URL`` in the context."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {"SITE_NAME": settings.WAGTAIL_SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
        if subject is None:
            subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}.txt", context)
    return " ".join(subject.split()), body


def unsubscribe_headers(url: str | None, *, one_click: bool = False) -> dict[str, str]:
    if not url:
        return {}
    headers = {"List-Unsubscribe": f"<{url}>"}
    if one_click:
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


_batch = threading.local()


@contextmanager
def one_delivery():
    """Mails queued inside are delivered after commit by one task over one SMTP connection.

    For fan-outs (a milestone mail to thousands of signers): one task instead of
    one per mail, and one connection instead of one per mail.
    """
    outer = getattr(_batch, "ids", None)
    ids: list[int] = []
    _batch.ids = ids
    try:
        yield
    finally:
        _batch.ids = outer
    if ids:
        _after_commit(lambda: _enqueue_batch(ids))


def queue(
    *,
    to: str | list[str],
    subject: str,
    body: str,
    html: str | None = None,
    from_email: str | None = None,
    headers: dict[str, str] | None = None,
    category: str = "",
    key: str | None = None,
) -> OutboxMail | None:
    """Write one mail to the outbox in the caller's transaction; it is delivered after commit.

    With ``key``, a mail already queued under that key is not queued again
    (returns None): a composing task that runs twice sends each mail once.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    now = timezone.now()
    fields = dict(
        category=category[:60], from_email=from_email or settings.DEFAULT_FROM_EMAIL, to=recipients,
        subject=subject[:998], body=body, html=html or "", headers=headers or {}, next_attempt_at=now,
    )
    return _write(fields, key)


@dataclass
class Composed:
    """What a composer returns: the text of one mail."""

    subject: str
    body: str
    headers: dict[str, str] | None = None
    html: str = ""


def queue_composed(
    *, to: str, composer: str, params: dict, category: str = "", key: str | None = None,
) -> OutboxMail | None:
    """Queue a mail whose text is composed at delivery: ``composer`` is the dotted path of a function called
    with ``**params`` (JSON values) that returns a ``Composed``, or None when there is nothing to send any more.

    For mails queued on hot paths (the sign form): the request writes one row and renders nothing.
    """
    fields = dict(
        category=category[:60], from_email=settings.DEFAULT_FROM_EMAIL, to=[to], subject="", composer=composer,
        params=params, next_attempt_at=timezone.now(),
    )
    return _write(fields, key)


def _write(fields: dict, key: str | None) -> OutboxMail | None:
    """The outbox row (None when ``key`` was queued before), and its delivery scheduled."""
    if key is not None:
        with transaction.atomic():  # a savepoint: the caller's transaction survives the duplicate key
            mail, created = OutboxMail.objects.get_or_create(key=key[:200], defaults=fields)
        if not created:
            return None
    else:
        mail = OutboxMail.objects.create(**fields)
    _schedule_delivery(mail.pk)
    return mail


def _schedule_delivery(mail_id: int) -> None:
    batch = getattr(_batch, "ids", None)
    if batch is not None:
        batch.append(mail_id)
    elif _enqueue_in_transaction():
        deliver_mail.enqueue(mail_id=mail_id)  # written in the caller's transaction: commits with the mail
    else:
        _after_commit(lambda: _enqueue_delivery(mail_id))


def _enqueue_in_transaction() -> bool:
    """True when the delivery task can be written in the queueing transaction: the task backend is the
    database one on the default database, and a transaction (other than a test case's wrapper) is open."""
    try:
        from django_tasks_db.backend import DatabaseBackend
    except ImportError:  # pragma: no cover - django-tasks-db is a requirement
        return False
    if not isinstance(deliver_mail.get_backend(), DatabaseBackend):
        return False
    return transaction.get_connection().in_atomic_block and not _only_testcase_transaction()


def _after_commit(callback) -> None:
    """``transaction.on_commit``, except when the only open transaction is a test case's wrapper.

    That wrapper never commits; outside it the code would run in autocommit,
    where ``on_commit`` runs at once. Django's ``atomic(durable=True)`` makes
    the same distinction (``_from_testcase``). So tests on ``django_db`` see
    mails in ``mail.outbox`` exactly as a request in production sends them.
    """
    if transaction.get_connection().in_atomic_block and _only_testcase_transaction():
        callback()
    else:
        transaction.on_commit(callback)


def _only_testcase_transaction() -> bool:
    """Every open atomic block is a test case's wrapper (which never commits)."""
    return all(getattr(block, "_from_testcase", False) for block in transaction.get_connection().atomic_blocks)


def queue_templated(
    *,
    to: str,
    template: str,
    context: dict,
    subject: str | None = None,
    unsubscribe_url: str | None = None,
    one_click: bool = False,
    category: str = "",
    key: str | None = None,
) -> OutboxMail | None:
    """Render a text mail (see ``render``) and queue it; ``unsubscribe_url`` also sets List-Unsubscribe."""
    if unsubscribe_url:
        context = {**context, "unsubscribe_url": unsubscribe_url}
    subject, body = render(template, context, subject=subject)
    return queue(
        to=to, subject=subject, body=body, headers=unsubscribe_headers(unsubscribe_url, one_click=one_click),
        category=category or template.rsplit("/", 1)[-1], key=key,
    )


def _enqueue_delivery(mail_id: int, run_after: datetime | None = None) -> None:
    try:
        if run_after is not None:
            if not default_task_backend.supports_defer:
                return  # the periodic job picks it up when it is due
            deliver_mail.using(run_after=run_after).enqueue(mail_id=mail_id)
        else:
            deliver_mail.enqueue(mail_id=mail_id)
    except Exception:
        # the row is committed: the periodic job delivers it even when the task queue is unavailable
        logger.exception("could not enqueue delivery of mail %s; the periodic job will send it", mail_id)


def _enqueue_batch(mail_ids: list[int]) -> None:
    try:
        deliver_mails.enqueue(mail_ids=mail_ids)
    except Exception:
        logger.exception("could not enqueue delivery of %s mails; the periodic job will send them", len(mail_ids))


# --- delivering ------------------------------------------------------------------------------


def _message(mail: OutboxMail, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=mail.subject, body=mail.body, from_email=mail.from_email or settings.DEFAULT_FROM_EMAIL,
        to=list(mail.to), headers=dict(mail.headers or {}), connection=connection,
    )
    if mail.html:
        message.attach_alternative(mail.html, "text/html")
    return message


def _error_text(exc: BaseException) -> str:
    """Class name and SMTP code only: the server's text can quote the recipient's address."""
    code = getattr(exc, "smtp_code", None)
    if code is None and isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({value[0] for value in exc.recipients.values() if isinstance(value, tuple)})
        code = ",".join(str(c) for c in codes) or None
    return type(exc).__name__ + (f" {code}" if code is not None else "")


def _is_permanent(exc: BaseException) -> bool:
    """Every recipient refused with a 5xx code: retrying cannot help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [value[0] for value in exc.recipients.values() if isinstance(value, tuple)]
        return bool(codes) and all(isinstance(c, int) and c >= 500 for c in codes)
    return False


@dataclass
class Outcome:
    status: str  # "sent" | "retry" | "failed" | "skipped" | "dropped"
    mail_id: int
    error: str = ""


def deliver(mail_id: int, *, connection=None, now: datetime | None = None) -> Outcome:
    """Claim one due mail, send it and mark it sent, all in one transaction.

    "skipped" when the row is not due, not pending, or claimed by another worker
    right now (SKIP LOCKED) — then that worker sends it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        mail = (
            OutboxMail.objects.select_for_update(skip_locked=True)
            .filter(pk=mail_id, status=OutboxMail.Status.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if mail is None:
            return Outcome("skipped", mail_id)
        # the conditional update is the claim where FOR UPDATE is a no-op (SQLite): it takes the write lock
        if not OutboxMail.objects.filter(pk=mail.pk, status=OutboxMail.Status.PENDING).update(
            attempts=F("attempts") + 1
        ):
            return Outcome("skipped", mail_id)
        mail.attempts += 1
        if mail.composer:
            try:
                composed = import_string(mail.composer)(**(mail.params or {}))
            except Exception as exc:  # a bug or missing data: retried with backoff, then failed and logged
                logger.exception("composing mail %s (%s) failed", mail.pk, mail.category or "mail")
                return _record_failure(mail, exc, now)
            if composed is None:
                OutboxMail.objects.filter(pk=mail.pk).update(
                    status=OutboxMail.Status.DROPPED, sent_at=timezone.now(), params={}, last_error="",
                )
                return Outcome("dropped", mail_id)
            mail.subject = " ".join(composed.subject.split())[:998]
            mail.body, mail.html = composed.body, composed.html or ""
            mail.headers = composed.headers or {}
        try:
            _message(mail, connection or get_connection()).send()
        except TRANSIENT_ERRORS as exc:
            return _record_failure(mail, exc, now)
        OutboxMail.objects.filter(pk=mail.pk).update(
            status=OutboxMail.Status.SENT, sent_at=timezone.now(), subject=mail.subject, body="", html="",
            headers={}, params={}, last_error="",
        )
    return Outcome("sent", mail_id)


def _record_failure(mail: OutboxMail, exc: BaseException, now: datetime) -> Outcome:
    error = _error_text(exc)
    if _is_permanent(exc) or mail.attempts >= max_attempts():
        OutboxMail.objects.filter(pk=mail.pk).update(
            status=OutboxMail.Status.FAILED, failed_at=now, last_error=error,
        )
        logger.error("mail %s (%s) failed for good after %s attempts: %s",
                     mail.pk, mail.category or "mail", mail.attempts, error)
        return Outcome("failed", mail.pk, error)
    next_at = now + backoff(mail.attempts)
    OutboxMail.objects.filter(pk=mail.pk).update(next_attempt_at=next_at, last_error=error)
    logger.warning("mail %s (%s) attempt %s failed: %s; next try at %s",
                   mail.pk, mail.category or "mail", mail.attempts, error, next_at.isoformat(timespec="seconds"))
    transaction.on_commit(lambda: _enqueue_delivery(mail.pk, run_after=next_at))
    return Outcome("retry", mail.pk, error)


@task()
def deliver_mail(*, mail_id: int) -> str:
    """The after-commit (or deferred) delivery of one outbox row."""
    return deliver(mail_id).status


@dataclass
class DeliveryRun:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    skipped: int = 0
    dropped: int = 0


def deliver_due(*, limit: int | None = None, now: datetime | None = None) -> DeliveryRun:
    """Send every pending mail that is due (the periodic job). Concurrent runs share the work.

    One SMTP connection serves the run. When the server cannot be reached, the
    run stops after recording that one failure: the other due mails keep their
    attempts and are tried by the next run, instead of all burning one attempt.
    """
    run = DeliveryRun()
    last_id = 0
    remaining = limit
    connection = _open_connection()
    try:
        while remaining is None or remaining > 0:
            size = BATCH if remaining is None else min(BATCH, remaining)
            ids = list(
                OutboxMail.objects.filter(
                    status=OutboxMail.Status.PENDING, next_attempt_at__lte=now or timezone.now(), pk__gt=last_id
                ).order_by("pk").values_list("pk", flat=True)[:size]
            )
            if not ids:
                break
            if not _deliver_all(ids, connection=connection, run=run, now=now):
                return run
            last_id = ids[-1]
            if remaining is not None:
                remaining -= len(ids)
    finally:
        _close(connection)
    return run


@task()
def deliver_mails(*, mail_ids: list[int]) -> dict:
    """The after-commit delivery of a fan-out (see ``one_delivery``), over one connection."""
    run = DeliveryRun()
    connection = _open_connection()
    try:
        _deliver_all(mail_ids, connection=connection, run=run, now=None)
    finally:
        _close(connection)
    return run.__dict__


def _open_connection():
    connection = get_connection()
    try:
        connection.open()  # one connection for the run (backends without one ignore this)
    except TRANSIENT_ERRORS:
        pass  # the first delivery records the failure
    return connection


def _close(connection) -> None:
    try:
        connection.close()
    except Exception:  # noqa: S110 — closing a connection that broke mid-run
        pass


def _deliver_all(ids, *, connection, run: DeliveryRun, now: datetime | None) -> bool:
    """Deliver ``ids`` in order; False when the server turned out unreachable (the rest waits)."""
    for mail_id in ids:
        outcome = deliver(mail_id, connection=connection, now=now)
        setattr(run, outcome.status, getattr(run, outcome.status) + 1)
        if outcome.status == "retry" and _unreachable(outcome.error):
            return False
    return True


def _unreachable(error: str) -> bool:
    return error.split(" ", 1)[0] in {
        "ConnectionRefusedError", "ConnectionResetError", "TimeoutError", "SMTPConnectError",
        "SMTPServerDisconnected", "OSError", "gaierror",
    }


# --- redaction -------------------------------------------------------------------------------


def forget_recipient(addresses) -> int:
    """Account deletion: every outbox row addressed to any of ``addresses`` is deleted, so unsent
    mails are never sent and no record (sent, dropped, failed) keeps the member's address or the
    subject of a mail to them. Returns how many rows went. Runs in the caller's transaction.

    The outbox holds at most ``HDS_MAIL_RETENTION_DAYS`` of rows; the recipients are matched
    case-insensitively in Python (the ``to`` list is JSON, which SQLite cannot search by element).
    """
    wanted = {address.strip().casefold() for address in addresses if address and address.strip()}
    if not wanted:
        return 0
    ids = [
        pk for pk, to in OutboxMail.objects.values_list("pk", "to").iterator(chunk_size=2000)
        if any(str(address).casefold() in wanted for address in (to or []))
    ]
    deleted = 0
    with transaction.atomic():
        for start in range(0, len(ids), 500):
            deleted += OutboxMail.objects.filter(pk__in=ids[start:start + 500]).delete()[0]
    return deleted


# --- operations ------------------------------------------------------------------------------


def status_counts() -> dict[str, int]:
    from django.db.models import Count

    counts = {s.value: 0 for s in OutboxMail.Status}
    for row in OutboxMail.objects.values("status").annotate(n=Count("pk")).order_by():
        counts[row["status"]] = row["n"]
    now = timezone.now()
    counts["due"] = OutboxMail.objects.filter(status=OutboxMail.Status.PENDING, next_attempt_at__lte=now).count()
    counts["retrying"] = OutboxMail.objects.filter(status=OutboxMail.Status.PENDING, attempts__gt=0).count()
    return counts


def retry_failed() -> int:
    """Failed rows back to pending with a fresh set of attempts; they are due at once."""
    ids = list(OutboxMail.objects.filter(status=OutboxMail.Status.FAILED).values_list("pk", flat=True))
    changed = OutboxMail.objects.filter(pk__in=ids, status=OutboxMail.Status.FAILED).update(
        status=OutboxMail.Status.PENDING, attempts=0, failed_at=None, next_attempt_at=timezone.now()
    )
    for mail_id in ids:
        _after_commit(lambda pk=mail_id: _enqueue_delivery(pk))
    return changed


def prune(*, now: datetime | None = None) -> int:
    """Delete sent, dropped and failed records older than the retention period; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=_setting("HDS_MAIL_RETENTION_DAYS", RETENTION_DAYS))
    deleted, _ = OutboxMail.objects.filter(
        status__in=[OutboxMail.Status.SENT, OutboxMail.Status.DROPPED], sent_at__lt=cutoff
    ).delete()
    failed, _ = OutboxMail.objects.filter(status=OutboxMail.Status.FAILED, failed_at__lt=cutoff).delete()
    return deleted + failed
