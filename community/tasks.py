"""Forum email: composed here, queued in the mail outbox (``hds_site.mail``), delivered after commit."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from hds_site import mail

User = get_user_model()

UNSUBSCRIBE_SALT = "community.unsubscribe"


def unsubscribe_token(*, user_id: int, thread_id: int | None) -> str:
    """Signed token for a one-click unsubscribe link (thread: mute it; None: no more forum email)."""
    return signing.dumps({"u": user_id, "t": thread_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> dict:
    """Raises signing.BadSignature when the token was tampered with."""
    return signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=60 * 60 * 24 * 365)


def unsubscribe_url(*, user_id: int, thread_id: int | None) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("community:unsubscribe", kwargs={"token": unsubscribe_token(user_id=user_id, thread_id=thread_id)})
    return settings.SITE_URL + path


def queue_notification_email(notification_id: int) -> bool:
    """One email for one notification (members who chose "sofort", and moderation decisions).

    Called by the service inside its transaction: the mail goes into the outbox
    (``hds_site.mail``) with the notification, and leaves after commit. It is
    composed at delivery (``compose_notification_email``), so it quotes the post
    and names the actor as the pages show them then: a post hidden, deleted or
    edited, or a member renamed or deleted, after queueing never leaks through it.
    """
    from . import services
    from .models import Notification

    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id, emailed_at__isnull=True).first()
    )
    if notification is None or not notification.recipient.email or not notification.recipient.is_active:
        return False
    mail.queue_composed(
        to=notification.recipient.email,
        composer="community.tasks.compose_notification_email",
        params={"notification_id": notification.pk},
        category="forum-notification",
        key=f"forum-notification:{notification.pk}",
    )
    services.mark_notification_emailed(notification=notification)
    return True


def compose_notification_email(*, notification_id: int) -> mail.Composed | None:
    """The text of a notification mail, from the notification and its post as they are now.

    None (nothing to send) when the notification or its recipient is gone. The post is
    quoted only while it is public: never the body of a hidden, pending or deleted post.
    """
    from . import services
    from .models import Notification

    notification = (
        Notification.objects.select_related("recipient", "actor__profile", "thread", "post")
        .filter(pk=notification_id).first()
    )
    if notification is None or not notification.recipient.email or not notification.recipient.is_active:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        text = services.notification_text(notification)
        url = settings.SITE_URL + (
            notification.post.get_absolute_url() if notification.post_id else reverse("community:notifications")
        )
        unsubscribe = unsubscribe_url(user_id=notification.recipient_id, thread_id=notification.thread_id)
        subject, body = mail.render(
            "community/email/notification",
            {"notification": notification, "text": text, "url": url, "unsubscribe_url": unsubscribe,
             "quote": notification.post.body if notification.post_id and notification.post.is_public else ""},
            subject=f"[{settings.WAGTAIL_SITE_NAME}] {text}",
        )
    return mail.Composed(subject=subject, body=body, headers=mail.unsubscribe_headers(unsubscribe, one_click=True))


@task()
def send_digest(user_id: int) -> int:
    """The daily summary of unread, not yet emailed notifications. Returns how many it listed."""
    from . import selectors, services

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return 0
    items = list(
        selectors.notifications_for(user).filter(read_at__isnull=True, emailed_at__isnull=True)[:50]
    )
    if not items:
        return 0
    ids = [n.pk for n in items]
    with transaction.atomic():  # the mail is queued if and only if the items are marked as sent
        # composed at delivery: the lines name members as the pages do when it leaves
        mail.queue_composed(
            to=user.email,
            composer="community.tasks.compose_digest",
            params={"user_id": user.pk, "notification_ids": ids, "date": timezone.localdate().isoformat()},
            category="forum-digest",
        )
        services.mark_digest_sent(user=user, notification_ids=ids)
    return len(items)


def compose_digest(*, user_id: int, notification_ids: list[int], date: str) -> mail.Composed | None:
    """The text of a digest, from the listed notifications as they are now (None when none is left)."""
    import datetime as dt

    from . import selectors, services

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return None
    by_id = {n.pk: n for n in selectors.notifications_for(user).filter(pk__in=notification_ids)}
    items = [by_id[pk] for pk in notification_ids if pk in by_id]
    if not items:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            {"text": services.notification_text(n),
             "url": settings.SITE_URL + reverse("community:notification_open", kwargs={"pk": n.pk})}
            for n in items
        ]
        unsubscribe = unsubscribe_url(user_id=user.pk, thread_id=None)
        subject, body = mail.render(
            "community/email/digest",
            {"items": lines, "date": dt.date.fromisoformat(date), "unsubscribe_url": unsubscribe},
            subject=f"[{settings.WAGTAIL_SITE_NAME}] " + translation.gettext("Neues im Forum"),
        )
    return mail.Composed(subject=subject, body=body, headers=mail.unsubscribe_headers(unsubscribe, one_click=True))
