"""Every write of the forum.

Each function checks permission, writes inside ``transaction.atomic()``,
publishes its live event with ``hds_site.realtime.publish`` inside that
transaction (sent after commit) and enqueues emails on commit.

Errors: ``PermissionDenied`` when the actor may not do this at all,
``ValidationError`` (with a field key where one applies) when the input or the
moment is wrong (rate limit, duplicate, locked thread …).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hds_site import realtime
from hds_site.accounts.selectors import display_name_of

from . import events, markup
from . import permissions as perms
from .models import (
    Category,
    ForumPreference,
    InterestGroup,
    Membership,
    ModerationLog,
    Notification,
    Post,
    PostRevision,
    Reaction,
    ReadState,
    Report,
    Subscription,
    Suspension,
    Thread,
)

User = get_user_model()

TITLE_MIN, TITLE_MAX = 5, 200
BODY_MIN, BODY_MAX = 2, 20000

PREMODERATION_DEFAULTS = {
    "enabled": True,
    # posts of accounts younger than this wait for approval
    "account_age": timedelta(days=1),
    # ... and so do posts of members without any approved post yet
    "until_first_approved_post": True,
}
RATE_LIMIT_DEFAULTS = {
    "per_minute": 5,
    "per_day_new_member": 20,
    "new_member_age": timedelta(days=7),
    "duplicate_window": timedelta(minutes=10),
}


def _conf(name: str, defaults: dict) -> dict:
    return {**defaults, **getattr(settings, name, {})}


# --- helpers --------------------------------------------------------------------


def _require_member(user) -> None:
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Bitte melden Sie sich an."))


def _require_moderator(user) -> None:
    if not perms.is_moderator(user):
        raise PermissionDenied(_("Nur die Moderation darf das."))


def _log(*, moderator, action: str, thread=None, post=None, target_user=None, reason: str = "", **details) -> ModerationLog:
    return ModerationLog.objects.create(
        moderator=moderator, action=action, thread=thread, post=post, target_user=target_user,
        reason=reason or "", details=details,
    )


def render_post_html(post: Post) -> str:
    """The post partial as a neutral (anonymous) viewer sees it: what live events carry."""
    return render_posts_html([post.pk])[post.pk]


def render_posts_html(post_ids) -> dict[int, str]:
    """``render_post_html`` for many posts in a constant number of queries: {post id: html}."""
    from . import selectors

    posts = selectors.posts_for_render(Post.objects.filter(pk__in=list(post_ids)))
    with translation.override(settings.LANGUAGE_CODE):
        return {
            post.pk: render_to_string(
                "community/includes/post.html", {"post": post, "thread": post.thread, "viewer": None, "live": True}
            )
            for post in posts
        }


def _post_data(post: Post, **extra) -> dict:
    return {
        "thread_id": post.thread_id, "post_id": post.pk, "number": post.number,
        "author_id": post.author_id,
        # a deleted post shows no author (post.html); a deleted member's post has none
        "author_name": display_name_of(post.author) if post.author_id and not post.is_deleted else "",
        **extra,
    }


def _publish_post(post: Post, event_type: str, **extra) -> None:
    realtime.publish(
        events.thread_group(post.thread_id), event_type, _post_data(post, **extra), render_post_html(post)
    )


def _refresh_thread_counters(thread: Thread) -> None:
    """Recompute reply_count and last_post from the posts (inside the caller's transaction)."""
    public = Post.objects.filter(thread=thread, status=Post.Status.APPROVED, is_hidden=False)
    thread.reply_count = public.filter(is_deleted=False, number__gt=1).count()
    last = public.order_by("-number").only("pk", "created_at").first()
    thread.last_post = last
    Thread.objects.filter(pk=thread.pk).update(reply_count=thread.reply_count, last_post=last)


def _unstorable(text: str) -> bool:
    """NUL or a lone surrogate (possible as a JSON escape over WebSocket): no database stores them."""
    return "\x00" in text or any("\ud800" <= ch <= "\udfff" for ch in text)


def _validate_body(body: str) -> str:
    body = (body or "").strip()
    if _unstorable(body):
        raise ValidationError({"body": ValidationError(_("Der Beitrag enthält ungültige Zeichen."), code="invalid_characters")})
    if len(body) < BODY_MIN:
        raise ValidationError({"body": ValidationError(_("Bitte schreiben Sie einen Beitrag."), code="required")})
    if len(body) > BODY_MAX:
        raise ValidationError({"body": ValidationError(ngettext("Der Beitrag ist zu lang (höchstens %(max)d Zeichen).", "Der Beitrag ist zu lang (höchstens %(max)d Zeichen).", BODY_MAX) % {"max": BODY_MAX}, code="max_length")})
    return body


def needs_approval(user) -> bool:
    """Do posts of ``user`` wait for a moderator (HDS_FORUM_PREMODERATION)?"""
    conf = _conf("HDS_FORUM_PREMODERATION", PREMODERATION_DEFAULTS)
    if not conf["enabled"] or perms.is_moderator(user) or perms.is_adviser(user) or user.is_staff:
        return False
    age = conf.get("account_age")
    if age and user.date_joined > timezone.now() - age:
        return True
    if conf.get("until_first_approved_post"):
        return not Post.objects.filter(author=user, status=Post.Status.APPROVED, is_hidden=False).exists()
    return False


def _rate_keys(user, now: datetime) -> tuple[str, str]:
    return (f"community:rate:{user.pk}:m:{now:%Y%m%d%H%M}", f"community:rate:{user.pk}:d:{now:%Y%m%d}")


def _check_limits(user, body: str) -> None:
    """Rate limits (per minute; per day for new members) and the duplicate-post guard."""
    if perms.is_moderator(user):
        return
    conf = _conf("HDS_FORUM_RATE_LIMITS", RATE_LIMIT_DEFAULTS)
    now = timezone.now()
    minute_key, day_key = _rate_keys(user, now)
    if conf["per_minute"] and (cache.get(minute_key) or 0) >= conf["per_minute"]:
        raise ValidationError({"body": ValidationError(_("Sie schreiben gerade sehr schnell. Bitte warten Sie eine Minute."), code="rate_limited")})
    is_new = user.date_joined > now - conf["new_member_age"]
    if is_new and conf["per_day_new_member"] and (cache.get(day_key) or 0) >= conf["per_day_new_member"]:
        raise ValidationError({"body": ValidationError(ngettext("Neue Mitglieder können höchstens %(n)d Beitrag am Tag schreiben. Bitte morgen weiter.",
                      "Neue Mitglieder können höchstens %(n)d Beiträge am Tag schreiben. Bitte morgen weiter.",
                      conf["per_day_new_member"]) % {"n": conf["per_day_new_member"]}, code="rate_limited")})
    window = conf["duplicate_window"]
    if window and Post.objects.filter(author=user, body=body, is_deleted=False, created_at__gte=now - window).exists():
        raise ValidationError({"body": ValidationError(_("Diesen Beitrag haben Sie gerade schon abgeschickt."), code="duplicate")})


def _count_post(user) -> None:
    now = timezone.now()
    minute_key, day_key = _rate_keys(user, now)
    for key, timeout in ((minute_key, 120), (day_key, 2 * 86400)):
        cache.add(key, 0, timeout)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout)


def _watch(user, thread: Thread) -> None:
    """Posting watches a thread, unless the member muted it."""
    Subscription.objects.get_or_create(thread=thread, user=user, defaults={"level": Subscription.Level.WATCHING})


def _new_post(*, thread: Thread, author, body: str, reply_to: Post | None, status: str) -> Post:
    locked = Thread.objects.select_for_update().get(pk=thread.pk)
    number = locked.last_number + 1
    Thread.objects.filter(pk=thread.pk).update(last_number=number)
    thread.last_number = number
    rendered = markup.render(body)
    return Post.objects.create(
        thread=thread, author=author, body=body, body_html=rendered.html, reply_to=reply_to,
        status=status, number=number,
    )


def _post_became_visible(post: Post, *, event_type: str) -> None:
    """A post is now public: counters, live events, notifications (inside the transaction)."""
    thread = post.thread
    now = timezone.now()
    Thread.objects.filter(pk=thread.pk).update(last_activity_at=now)
    thread.last_activity_at = now
    _refresh_thread_counters(thread)
    _publish_post(post, event_type)
    realtime.publish(
        events.category_group(thread.category_id),
        events.THREAD_ACTIVITY,
        {"thread_id": thread.pk, "post_id": post.pk, "category_id": thread.category_id, "number": post.number},
    )
    mentioned = markup.render(post.body).mentioned
    _notify_for_post(post, mentioned)


def _notify_for_post(post: Post, mentioned: list, *, replies: bool = True) -> None:
    """Mention and reply notifications for ``post``: one batch, whatever the number of watchers."""
    thread = post.thread
    muted = set(
        Subscription.objects.filter(thread=thread, level=Subscription.Level.MUTED).values_list("user_id", flat=True)
    )
    notified = {post.author_id}
    mention_recipients = []
    for user in mentioned:
        if user.pk in notified or user.pk in muted:
            continue
        notified.add(user.pk)
        mention_recipients.append(user)
    reply_recipients = []
    if replies:
        reply_recipients = [
            sub.user
            for sub in Subscription.objects.filter(
                thread=thread, level=Subscription.Level.WATCHING, user__is_active=True
            )
            .exclude(user_id__in=notified)
            .select_related("user")
        ]
    if thread.category.members_only:
        perms.prime(mention_recipients + reply_recipients)
    mention_recipients = [user for user in mention_recipients if perms.can_view_thread(user, thread)]
    reply_recipients = [user for user in reply_recipients if perms.can_view_thread(user, thread)]
    _notify_many(
        [(user, Notification.Kind.MENTION) for user in mention_recipients]
        + [(user, Notification.Kind.REPLY) for user in reply_recipients],
        actor=post.author, thread=thread, post=post,
    )


# --- notifications -----------------------------------------------------------------


def email_mode(user) -> str:
    pref = ForumPreference.objects.filter(user=user).values_list("email_mode", flat=True).first()
    return pref or ForumPreference.EmailMode.DIGEST


def notification_text(notification: Notification) -> str:
    actor = display_name_of(notification.actor) if notification.actor_id else _("Jemand")
    title = notification.thread.title if notification.thread_id and notification.thread else ""
    if notification.kind == Notification.Kind.MENTION:
        return _("%(actor)s hat Sie in „%(title)s“ erwähnt") % {"actor": actor, "title": title}
    if notification.kind == Notification.Kind.REPLY:
        return _("%(actor)s hat in „%(title)s“ geantwortet") % {"actor": actor, "title": title}
    return notification.message or _("Nachricht der Moderation")


def notification_url(notification: Notification) -> str:
    from django.urls import reverse

    return reverse("community:notification_open", kwargs={"pk": notification.pk})


def notify(*, recipient, kind: str, actor=None, thread=None, post=None, message: str = "") -> Notification:
    """Create a notification, push it to ``user.<id>`` and queue its email if wanted (sent after commit)."""
    return _notify_many([(recipient, kind)], actor=actor, thread=thread, post=post, message=message)[0]


def _notify_many(recipients: list[tuple], *, actor=None, thread=None, post=None, message: str = "") -> list[Notification]:
    """``notify()`` for many ``(recipient, kind)`` pairs in a constant number of queries.

    One insert for the notifications, one query each for the unread counts and
    the email preferences, one batch of live events (``realtime.publish_many``);
    only the emails of members who chose "sofort" cost a row each in the outbox.
    """
    from . import tasks

    if not recipients:
        return []
    with transaction.atomic():
        notifications = Notification.objects.bulk_create(
            [
                Notification(recipient=user, kind=kind, actor=actor, thread=thread, post=post, message=message[:300])
                for user, kind in recipients
            ]
        )
        user_ids = {user.pk for user, _ in recipients}
        unread = dict(
            Notification.objects.filter(recipient_id__in=user_ids, read_at__isnull=True)
            .values("recipient_id")
            .annotate(n=Count("id"))
            .values_list("recipient_id", "n")
        )
        modes = dict(ForumPreference.objects.filter(user_id__in=user_ids).values_list("user_id", "email_mode"))
        batch: list[tuple[str, str, dict | None, str]] = []
        with translation.override(settings.LANGUAGE_CODE):
            for notification in notifications:
                text = notification_text(notification)
                html = render_to_string(
                    "community/includes/notification.html", {"notification": notification, "text": text}
                )
                batch.append(
                    (
                        events.user_group(notification.recipient_id),
                        events.NOTIFICATION_CREATED,
                        {"id": notification.pk, "kind": notification.kind, "text": text,
                         "url": notification_url(notification), "unread_count": unread.get(notification.recipient_id, 0)},
                        html,
                    )
                )
        realtime.publish_many(batch)
        for notification in notifications:
            mode = modes.get(notification.recipient_id) or ForumPreference.EmailMode.DIGEST
            wants_now = mode == ForumPreference.EmailMode.IMMEDIATE or (
                notification.kind == Notification.Kind.MODERATION and mode != ForumPreference.EmailMode.NONE
            )
            if notification.recipient.email and wants_now:
                tasks.queue_notification_email(notification.pk)  # into the mail outbox, sent after commit
    return notifications


def mark_notifications_read(*, user, notification_ids: list[int] | None = None) -> int:
    """Mark some (or all) of ``user``'s notifications read; pushes the new unread count."""
    _require_member(user)
    from . import selectors

    with transaction.atomic():
        qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
        if notification_ids is not None:
            qs = qs.filter(pk__in=notification_ids)
        changed = qs.update(read_at=timezone.now())
        if changed:
            realtime.publish(
                events.user_group(user.pk), events.NOTIFICATIONS_READ,
                {"unread_count": selectors.unread_notification_count(user)},
            )
    return changed


def set_email_mode(*, user, mode: str) -> ForumPreference:
    _require_member(user)
    if mode not in ForumPreference.EmailMode.values:
        raise ValidationError({"email_mode": _("Unbekannte Einstellung.")})
    with transaction.atomic():
        pref, _created = ForumPreference.objects.update_or_create(user=user, defaults={"email_mode": mode})
    return pref


def mark_digest_sent(*, user, notification_ids: list[int]) -> None:
    with transaction.atomic():
        now = timezone.now()
        Notification.objects.filter(recipient=user, pk__in=notification_ids).update(emailed_at=now)
        ForumPreference.objects.update_or_create(user=user, defaults={"last_digest_at": now})


def mark_notification_emailed(*, notification: Notification) -> None:
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())


# --- threads and posts -----------------------------------------------------------


def create_thread(
    *, category: Category, author, title: str, body: str, kind: str = Thread.Kind.DISCUSSION,
    enforce_limits: bool = True,
) -> Thread:
    """Start a thread with its first post (which may wait for approval)."""
    _require_member(author)
    if not perms.can_start_thread(author, category):
        raise PermissionDenied(_("Sie können in dieser Kategorie kein Thema beginnen."))
    title = (title or "").strip()
    errors: dict[str, Any] = {}
    if _unstorable(title):
        errors["title"] = _("Der Titel enthält ungültige Zeichen.")
    elif len(title) < TITLE_MIN:
        errors["title"] = ngettext("Der Titel braucht mindestens %(n)d Zeichen.", "Der Titel braucht mindestens %(n)d Zeichen.", TITLE_MIN) % {"n": TITLE_MIN}
    elif len(title) > TITLE_MAX:
        errors["title"] = ngettext("Der Titel darf höchstens %(n)d Zeichen haben.", "Der Titel darf höchstens %(n)d Zeichen haben.", TITLE_MAX) % {"n": TITLE_MAX}
    if kind not in Thread.Kind.values:
        errors["kind"] = _("Unbekannte Art.")
    try:
        body = _validate_body(body)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if enforce_limits:
        _check_limits(author, body)
    status = Post.Status.PENDING if needs_approval(author) else Post.Status.APPROVED
    with transaction.atomic():
        now = timezone.now()
        thread = Thread.objects.create(
            category=category, title=title, author=author, kind=kind, created_at=now, last_activity_at=now
        )
        post = _new_post(thread=thread, author=author, body=body, reply_to=None, status=status)
        _watch(author, thread)
        if status == Post.Status.APPROVED:
            _post_became_visible(post, event_type=events.POST_CREATED)
        if enforce_limits:
            _count_post(author)
    thread.first_post = post  # type: ignore[attr-defined]  # not a field: the caller redirects to it
    return thread


def post_reply(
    *, thread: Thread, author, body: str, reply_to: Post | None = None, enforce_limits: bool = True
) -> Post:
    """Reply in ``thread`` (optionally to a specific post). May wait for approval."""
    _require_member(author)
    if not perms.can_post(author, thread):
        if thread.is_locked and perms.can_view_thread(author, thread):
            raise ValidationError({"body": ValidationError(_("Dieses Thema ist geschlossen."), code="locked")})
        if perms.is_suspended(author):
            raise PermissionDenied(_("Ihr Konto ist im Forum vorübergehend gesperrt."))
        raise PermissionDenied(_("Sie können in diesem Thema nicht schreiben."))
    body = _validate_body(body)
    if reply_to is not None and (reply_to.thread_id != thread.pk or not reply_to.is_public):
        raise ValidationError({"reply_to": _("Auf diesen Beitrag kann nicht geantwortet werden.")})
    if enforce_limits:
        _check_limits(author, body)
    status = Post.Status.PENDING if needs_approval(author) else Post.Status.APPROVED
    with transaction.atomic():
        post = _new_post(thread=thread, author=author, body=body, reply_to=reply_to, status=status)
        _watch(author, thread)
        if status == Post.Status.APPROVED:
            _post_became_visible(post, event_type=events.POST_CREATED)
        if enforce_limits:
            _count_post(author)
    return post


def edit_post(*, post: Post, editor, body: str) -> Post:
    """Edit one's own post: the old text is kept as a revision, the post shows "bearbeitet"."""
    _require_member(editor)
    if not perms.can_edit_post(editor, post):
        raise PermissionDenied(_("Sie können diesen Beitrag nicht bearbeiten."))
    body = _validate_body(body)
    if body == post.body:
        return post
    with transaction.atomic():
        before = {u.pk for u in markup.render(post.body).mentioned}
        PostRevision.objects.create(post=post, body=post.body, editor=editor)
        rendered = markup.render(body)
        post.body = body
        post.body_html = rendered.html
        post.edited_at = timezone.now()
        post.save(update_fields=["body", "body_html", "edited_at"])
        events.restate_posts([post.pk])  # stored events of this post now carry the new text
        if post.is_public:
            _publish_post(post, events.POST_EDITED)
            new_mentions = [u for u in rendered.mentioned if u.pk not in before]
            if new_mentions:
                _notify_for_post(post, new_mentions, replies=False)
    return post


def delete_post(*, post: Post, actor) -> Post:
    """Soft-delete one's own post; it stays in place as "gelöscht"."""
    _require_member(actor)
    if not perms.can_delete_post(actor, post):
        raise PermissionDenied(_("Sie können diesen Beitrag nicht löschen."))
    with transaction.atomic():
        was_public = post.is_public
        post.is_deleted = True
        post.save(update_fields=["is_deleted"])
        events.restate_posts([post.pk])  # the replay shows the deleted placeholder, never the text
        thread = post.thread
        if thread.accepted_post_id == post.pk:
            _set_accepted(thread, None)
        _refresh_thread_counters(thread)
        if was_public:
            _publish_post(post, events.POST_DELETED)
    return post


def reaction_counts(post: Post) -> dict[str, int]:
    rows = Reaction.objects.filter(post=post).values("kind").annotate(n=Count("id"))
    counts = {kind: 0 for kind in Reaction.Kind.values}
    counts.update({row["kind"]: row["n"] for row in rows})
    return counts


def toggle_reaction(*, post: Post, user, kind: str) -> bool:
    """Add the reaction, or remove it if it was there. Returns True when added."""
    _require_member(user)
    if kind not in Reaction.Kind.values:
        raise ValidationError({"kind": _("Unbekannte Reaktion.")})
    if not perms.can_react(user, post):
        raise PermissionDenied(_("Sie können auf diesen Beitrag nicht reagieren."))
    with transaction.atomic():
        deleted, _info = Reaction.objects.filter(post=post, user=user, kind=kind).delete()
        added = not deleted
        if added:
            try:
                with transaction.atomic():
                    Reaction.objects.create(post=post, user=user, kind=kind)
            except IntegrityError:  # a double click raced us: the reaction is there
                pass
        realtime.publish(
            events.thread_group(post.thread_id), events.REACTION_CHANGED,
            _post_data(post, counts=reaction_counts(post)),
        )
    return added


def _set_accepted(thread: Thread, post: Post | None) -> None:
    previous = thread.accepted_post_id
    thread.accepted_post = post
    Thread.objects.filter(pk=thread.pk).update(accepted_post=post)
    # html: the newly accepted post (or, when cleared, the previous one) as it now renders
    shown = post or Post.objects.filter(pk=previous).first()  # type: ignore[misc]  # pk=None matches nothing
    realtime.publish(
        events.thread_group(thread.pk), events.ANSWER_ACCEPTED,
        {"thread_id": thread.pk, "post_id": post.pk if post else None,
         "number": post.number if post else None, "previous_post_id": previous},
        render_post_html(shown) if shown is not None else "",
    )


def accept_answer(*, post: Post, actor) -> Thread:
    """Mark ``post`` as the accepted answer of its question thread (author or moderator)."""
    _require_member(actor)
    thread = post.thread
    if not perms.can_accept_answer(actor, thread):
        raise PermissionDenied(_("Nur die fragende Person oder die Moderation kann eine Antwort als Lösung markieren."))
    if post.number == 1 or not post.is_public:
        raise ValidationError(_("Dieser Beitrag kann nicht als Lösung markiert werden."))
    if thread.accepted_post_id == post.pk:
        return thread
    with transaction.atomic():
        _set_accepted(thread, post)
        if perms.is_moderator(actor) and actor.pk != thread.author_id:
            _log(moderator=actor, action=ModerationLog.Action.ACCEPT, thread=thread, post=post)
    return thread


def clear_accepted_answer(*, thread: Thread, actor) -> Thread:
    _require_member(actor)
    if not perms.can_accept_answer(actor, thread):
        raise PermissionDenied(_("Nur die fragende Person oder die Moderation kann die Lösung ändern."))
    if thread.accepted_post_id is None:
        return thread
    with transaction.atomic():
        _set_accepted(thread, None)
    return thread


# --- watching and reading -----------------------------------------------------------


def set_subscription(*, thread: Thread, user, level: str | None) -> Subscription | None:
    """Watch (``watching``), mute (``muted``) or return to normal (``None``)."""
    _require_member(user)
    if not perms.can_view_thread(user, thread):
        raise PermissionDenied(_("Kein Zugriff auf dieses Thema."))
    with transaction.atomic():
        if level is None:
            Subscription.objects.filter(thread=thread, user=user).delete()
            return None
        if level not in Subscription.Level.values:
            raise ValidationError({"level": _("Unbekannte Einstellung.")})
        sub, _created = Subscription.objects.update_or_create(thread=thread, user=user, defaults={"level": level})
    return sub


def unsubscribe_thread(*, user, thread: Thread) -> Subscription:
    """One-click unsubscribe from a thread's email: mute it. The signed link proves who asks,
    so no session is needed."""
    with transaction.atomic():
        sub, _created = Subscription.objects.update_or_create(
            thread=thread, user=user, defaults={"level": Subscription.Level.MUTED}
        )
    return sub


def mark_thread_read(*, user, thread: Thread, number: int) -> None:
    """Remember the highest post number ``user`` has seen in ``thread`` (never goes back)."""
    if user is None or not user.is_authenticated or number <= 0:
        return
    with transaction.atomic():
        state, created = ReadState.objects.get_or_create(
            user=user, thread=thread, defaults={"last_read_number": number}
        )
        if not created and state.last_read_number < number:
            ReadState.objects.filter(pk=state.pk, last_read_number__lt=number).update(
                last_read_number=number, updated_at=timezone.now()
            )


# --- reports and moderation -----------------------------------------------------------


# reports per member (moderators excepted) within the window; HDS_FORUM_REPORT_RATE_LIMIT overrides
REPORT_RATE_LIMIT_DEFAULTS = {"count": 5, "window": timedelta(minutes=10)}


def report_post(*, post: Post, reporter, reason: str, text: str = "") -> Report:
    """One report per post and member (a constraint), and at most ``count`` reports per ``window``.

    The limit counts the member's own Report rows (a sliding window, exact, and
    not lost when the cache is away, unlike the cache counters of posting): one
    member filed twelve reports in seconds, each a moderator's task.
    """
    _require_member(reporter)
    if not perms.can_view_thread(reporter, post.thread) or post.is_deleted:
        raise PermissionDenied(_("Sie können diesen Beitrag nicht melden."))
    if reason not in Report.Reason.values:
        raise ValidationError({"reason": _("Bitte wählen Sie einen Grund.")})
    if reason == Report.Reason.OTHER and not (text or "").strip():
        raise ValidationError({"text": _("Bitte beschreiben Sie kurz, was nicht in Ordnung ist.")})
    limit = _conf("HDS_FORUM_REPORT_RATE_LIMIT", REPORT_RATE_LIMIT_DEFAULTS)
    if limit["count"] and not perms.is_moderator(reporter):
        recent = Report.objects.filter(reporter=reporter, created_at__gte=timezone.now() - limit["window"])
        if recent.count() >= limit["count"]:
            raise ValidationError(
                _("Sie haben in kurzer Zeit schon mehrere Beiträge gemeldet. Bitte warten Sie einige Minuten, "
                  "bevor Sie weitere melden; die Moderation sieht sich Ihre Meldungen an."),
                code="rate_limited",
            )
    try:
        with transaction.atomic():
            return Report.objects.create(post=post, reporter=reporter, reason=reason, text=(text or "").strip()[:1000])
    except IntegrityError as exc:
        raise ValidationError(
            {"reason": ValidationError(_("Sie haben diesen Beitrag bereits gemeldet."), code="duplicate")}
        ) from exc


def _thread_title(post: Post) -> str:
    return post.thread.title


def hide_post(*, post: Post, moderator, reason: str) -> Post:
    _require_moderator(moderator)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Bitte geben Sie eine Begründung an.")})
    if post.is_hidden:
        return post
    with transaction.atomic():
        was_public = post.is_public
        post.is_hidden = True
        post.save(update_fields=["is_hidden"])
        events.restate_posts([post.pk])  # the replay shows the placeholder, never the body
        Report.objects.filter(post=post, status=Report.Status.OPEN).update(
            status=Report.Status.RESOLVED, resolved_at=timezone.now(), resolved_by=moderator
        )
        thread = post.thread
        if thread.accepted_post_id == post.pk:
            _set_accepted(thread, None)
        _refresh_thread_counters(thread)
        _log(moderator=moderator, action=ModerationLog.Action.HIDE, thread=thread, post=post,
             target_user=post.author, reason=reason)
        if was_public:
            _publish_post(post, events.POST_HIDDEN)
        if post.author_id:
            notify(recipient=post.author, kind=Notification.Kind.MODERATION, actor=moderator, thread=thread, post=post,
                   message=_("Ihr Beitrag in „%(title)s“ wurde von der Moderation ausgeblendet. Begründung: %(reason)s")
                   % {"title": thread.title, "reason": reason})
    return post


def unhide_post(*, post: Post, moderator, reason: str = "") -> Post:
    _require_moderator(moderator)
    if not post.is_hidden:
        return post
    with transaction.atomic():
        post.is_hidden = False
        post.save(update_fields=["is_hidden"])
        events.restate_posts([post.pk])
        _refresh_thread_counters(post.thread)
        _log(moderator=moderator, action=ModerationLog.Action.UNHIDE, thread=post.thread, post=post,
             target_user=post.author, reason=reason)
        if post.is_public:
            _publish_post(post, events.POST_UNHIDDEN)
    return post


def approve_post(*, post: Post, moderator) -> Post:
    """Release a pre-moderated post: now it is published and notifies as if just written."""
    _require_moderator(moderator)
    if post.status == Post.Status.APPROVED:
        return post
    with transaction.atomic():
        post.status = Post.Status.APPROVED
        post.save(update_fields=["status"])
        _log(moderator=moderator, action=ModerationLog.Action.APPROVE, thread=post.thread, post=post,
             target_user=post.author)
        if post.is_public:
            _post_became_visible(post, event_type=events.POST_APPROVED)
    return post


def reject_post(*, post: Post, moderator, reason: str) -> Post:
    """A pending post is not released: it stays hidden (and out of the queue)."""
    _require_moderator(moderator)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Bitte geben Sie eine Begründung an.")})
    with transaction.atomic():
        post.is_hidden = True
        post.save(update_fields=["is_hidden"])
        events.restate_posts([post.pk])
        _log(moderator=moderator, action=ModerationLog.Action.REJECT, thread=post.thread, post=post,
             target_user=post.author, reason=reason)
        if post.author_id:
            notify(recipient=post.author, kind=Notification.Kind.MODERATION, actor=moderator, thread=post.thread,
                   message=_("Ihr Beitrag in „%(title)s“ wurde nicht freigegeben. Begründung: %(reason)s")
                   % {"title": post.thread.title, "reason": reason})
    return post


def dismiss_report(*, report: Report, moderator, reason: str = "") -> Report:
    _require_moderator(moderator)
    with transaction.atomic():
        report.status = Report.Status.DISMISSED
        report.resolved_at = timezone.now()
        report.resolved_by = moderator
        report.save(update_fields=["status", "resolved_at", "resolved_by"])
        _log(moderator=moderator, action=ModerationLog.Action.DISMISS_REPORT, thread=report.post.thread,
             post=report.post, reason=reason, report_id=report.pk)
    return report


_FLAG_ACTIONS = {
    "lock": ("is_locked", True, ModerationLog.Action.LOCK, events.THREAD_LOCKED),
    "unlock": ("is_locked", False, ModerationLog.Action.UNLOCK, events.THREAD_UNLOCKED),
    "pin": ("is_pinned", True, ModerationLog.Action.PIN, events.THREAD_PINNED),
    "unpin": ("is_pinned", False, ModerationLog.Action.UNPIN, events.THREAD_UNPINNED),
}


def _set_thread_flag(*, thread: Thread, moderator, op: str, reason: str) -> Thread:
    _require_moderator(moderator)
    field, value, action, event_type = _FLAG_ACTIONS[op]
    if getattr(thread, field) == value:
        return thread
    with transaction.atomic():
        setattr(thread, field, value)
        Thread.objects.filter(pk=thread.pk).update(**{field: value})
        _log(moderator=moderator, action=action, thread=thread, reason=reason)
        realtime.publish(events.thread_group(thread.pk), event_type, {"thread_id": thread.pk})
    return thread


def lock_thread(*, thread: Thread, moderator, reason: str = "") -> Thread:
    return _set_thread_flag(thread=thread, moderator=moderator, op="lock", reason=reason)


def unlock_thread(*, thread: Thread, moderator, reason: str = "") -> Thread:
    return _set_thread_flag(thread=thread, moderator=moderator, op="unlock", reason=reason)


def pin_thread(*, thread: Thread, moderator, reason: str = "") -> Thread:
    return _set_thread_flag(thread=thread, moderator=moderator, op="pin", reason=reason)


def unpin_thread(*, thread: Thread, moderator, reason: str = "") -> Thread:
    return _set_thread_flag(thread=thread, moderator=moderator, op="unpin", reason=reason)


def move_thread(*, thread: Thread, category: Category, moderator, reason: str = "") -> Thread:
    _require_moderator(moderator)
    if thread.category_id == category.pk:
        return thread
    with transaction.atomic():
        previous = thread.category
        thread.category = category
        Thread.objects.filter(pk=thread.pk).update(category=category)
        _log(moderator=moderator, action=ModerationLog.Action.MOVE, thread=thread, reason=reason,
             from_category=previous.name, to_category=category.name)
        realtime.publish(
            events.thread_group(thread.pk), events.THREAD_MOVED,
            {"thread_id": thread.pk, "category_id": category.pk, "previous_category_id": previous.pk,
             "category_name": category.name, "category_url": category.get_absolute_url()},
        )
        if thread.last_post_id:
            realtime.publish(
                events.category_group(category.pk), events.THREAD_ACTIVITY,
                {"thread_id": thread.pk, "post_id": thread.last_post_id, "category_id": category.pk},
            )
    return thread


def suspend_member(
    *, user, moderator, reason: str, days: int | None = None, until: datetime | None = None
) -> Suspension:
    """Suspend ``user`` from writing in the forum until ``until`` (or for ``days``)."""
    _require_moderator(moderator)
    if user.pk == moderator.pk or user.is_superuser:
        raise PermissionDenied(_("Dieses Konto kann nicht gesperrt werden."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Bitte geben Sie eine Begründung an.")})
    now = timezone.now()
    if until is None:
        if not days or days < 1:
            raise ValidationError({"days": _("Bitte geben Sie die Dauer in Tagen an.")})
        until = now + timedelta(days=days)
    if until <= now:
        raise ValidationError({"days": _("Das Ende der Sperre muss in der Zukunft liegen.")})
    with transaction.atomic():
        suspension = Suspension.objects.create(
            user=user, starts_at=now, ends_at=until, reason=reason.strip(), created_by=moderator
        )
        _log(moderator=moderator, action=ModerationLog.Action.SUSPEND, target_user=user, reason=reason,
             until=until.isoformat())
        notify(recipient=user, kind=Notification.Kind.MODERATION, actor=moderator,
               message=_("Ihr Konto ist im Forum bis %(until)s gesperrt. Begründung: %(reason)s")
               % {"until": date_format(timezone.localtime(until), "SHORT_DATETIME_FORMAT"), "reason": reason})
    perms.forget(user)
    return suspension


def lift_suspension(*, suspension: Suspension, moderator, reason: str = "") -> Suspension:
    _require_moderator(moderator)
    with transaction.atomic():
        suspension.lifted_at = timezone.now()
        suspension.save(update_fields=["lifted_at"])
        _log(moderator=moderator, action=ModerationLog.Action.UNSUSPEND, target_user=suspension.user, reason=reason)
    perms.forget(suspension.user)
    return suspension


# --- interest groups -----------------------------------------------------------------


def join_group(*, group: InterestGroup, user) -> Membership:
    """Join an open group, or ask to join a group that approves requests."""
    _require_member(user)
    status = (
        Membership.Status.ACTIVE if group.join_policy == InterestGroup.JoinPolicy.OPEN else Membership.Status.PENDING
    )
    with transaction.atomic():
        membership, _created = Membership.objects.get_or_create(user=user, group=group, defaults={"status": status})
    perms.forget(user)
    return membership


def leave_group(*, group: InterestGroup, user) -> None:
    _require_member(user)
    with transaction.atomic():
        Membership.objects.filter(user=user, group=group).delete()
    perms.forget(user)


def decide_membership(*, membership: Membership, admin, approve: bool) -> Membership | None:
    """A group admin (or moderator) accepts or declines a join request."""
    _require_member(admin)
    if not perms.is_group_admin(admin, membership.group):
        raise PermissionDenied(_("Nur Gruppen-Admins können Anfragen bearbeiten."))
    with transaction.atomic():
        group = membership.group
        if approve:
            membership.status = Membership.Status.ACTIVE
            membership.save(update_fields=["status"])
            message = _("Ihre Anfrage für „%(group)s“ wurde angenommen.") % {"group": group.name}
        else:
            membership.delete()
            message = _("Ihre Anfrage für „%(group)s“ wurde abgelehnt.") % {"group": group.name}
        notify(recipient=membership.user, kind=Notification.Kind.MODERATION, actor=admin, message=message)
    perms.forget(membership.user)
    return membership if approve else None


def set_member_role(*, membership: Membership, admin, role: str) -> Membership:
    _require_member(admin)
    if not perms.is_group_admin(admin, membership.group):
        raise PermissionDenied(_("Nur Gruppen-Admins können Rollen vergeben."))
    with transaction.atomic():
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


# --- accounts --------------------------------------------------------------------------


def forget_member(*, user) -> None:
    """Account deletion: posts and threads stay, without author ("gelöschtes Mitglied");
    everything personal of the member goes."""
    with transaction.atomic():
        # what the stored live events show of the member, collected while the links still exist
        post_ids = events.member_post_ids(user.pk) | _unlink_mentions(user)
        acted = list(Notification.objects.filter(actor=user).values_list("pk", flat=True))
        Post.objects.filter(author=user).update(author=None)
        Thread.objects.filter(author=user).update(author=None)
        PostRevision.objects.filter(editor=user).update(editor=None)
        Reaction.objects.filter(user=user).delete()
        Subscription.objects.filter(user=user).delete()
        Notification.objects.filter(recipient=user).delete()
        Notification.objects.filter(actor=user).update(actor=None)
        ReadState.objects.filter(user=user).delete()
        Membership.objects.filter(user=user).delete()
        ForumPreference.objects.filter(user=user).delete()
        Report.objects.filter(reporter=user).update(reporter=None)
        # the replay log: "gelöschtes Mitglied" without a link wherever they were shown; their own stream goes
        events.restate_member(user_id=user.pk, post_ids=post_ids, notification_ids=acted)
        realtime.forget_group(events.user_group(user.pk))


def _unlink_mentions(user) -> set[int]:
    """Other members' posts that link the deleted member's profile (an @mention): the link goes (it would
    lead nowhere, or to whoever takes the name next), the text they typed stays. Returns their ids."""
    import re

    from django.utils.html import escape

    from hds_site.accounts.models import Profile

    name = Profile.objects.filter(user=user).values_list("display_name", flat=True).first()
    if not name:
        return set()
    href = escape(markup._profile_url(name))
    link = re.compile(r'<a href="' + re.escape(href) + r'"[^>]*>(.*?)</a>', re.S)
    posts = list(Post.objects.filter(body_html__contains=f'href="{href}"').only("pk", "body_html"))
    for post in posts:
        post.body_html = link.sub(r"\1", post.body_html)
    Post.objects.bulk_update(posts, ["body_html"], batch_size=500)
    return {post.pk for post in posts}


def member_changed(*, user) -> None:
    """The member's display name or profile visibility changed (accounts' ``hds_profile_changed``
    hook, inside that transaction): stored live events show the new name, linked only if public."""
    events.restate_member(user_id=user.pk)


def active_suspension(user) -> Suspension | None:
    now = timezone.now()
    return Suspension.objects.filter(
        Q(user=user), lifted_at__isnull=True, starts_at__lte=now, ends_at__gt=now
    ).order_by("-ends_at").first()


# --- structure (editors use the Wagtail admin; the demo seed and scripts use these) -----------


def upsert_category(*, slug: str, name: str, description: str = "", order: int = 0, topic=None,
                    group: InterestGroup | None = None, members_only: bool = False) -> Category:
    with transaction.atomic():
        category, _created = Category.objects.update_or_create(
            slug=slug,
            defaults={"name": name, "description": description, "order": order, "topic": topic, "group": group,
                      "members_only": members_only},
        )
    return category


def upsert_group(*, slug: str, name: str, description: str = "", join_policy: str = InterestGroup.JoinPolicy.OPEN
                 ) -> InterestGroup:
    with transaction.atomic():
        group, _created = InterestGroup.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "join_policy": join_policy}
        )
    return group


def add_group_member(*, group: InterestGroup, user, role: str = Membership.Role.MEMBER) -> Membership:
    """Make ``user`` an active member (or admin) of ``group`` without a request (operators, seed)."""
    with transaction.atomic():
        membership, _created = Membership.objects.update_or_create(
            user=user, group=group, defaults={"role": role, "status": Membership.Status.ACTIVE}
        )
    perms.forget(user)
    return membership
