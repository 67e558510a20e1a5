"""Who may read and write what in the forum.

Plain functions of (user, object) so views, templates, services and the
WebSocket consumers (via database_sync_to_async) share one answer. Results
that cost a query are memoised on the user object for the request.
"""

from __future__ import annotations

from django.utils import timezone

MODERATION_GROUP = "Moderation"
ADVISER_GROUP = "Berater:innen"
MODERATE_PERMISSION = "community.moderate"


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def is_moderator(user) -> bool:
    if not _authenticated(user):
        return False
    cached = getattr(user, "_forum_is_moderator", None)
    if cached is None:
        cached = bool(
            user.is_superuser
            or user.groups.filter(name=MODERATION_GROUP).exists()
            or user.has_perm(MODERATE_PERMISSION)
        )
        user._forum_is_moderator = cached
    return cached


def is_adviser(user) -> bool:
    if not _authenticated(user):
        return False
    cached = getattr(user, "_forum_is_adviser", None)
    if cached is None:
        cached = user.groups.filter(name=ADVISER_GROUP).exists()
        user._forum_is_adviser = cached
    return cached


def active_group_ids(user) -> frozenset[int]:
    """Ids of the interest groups the user is an active member of (memoised)."""
    if not _authenticated(user):
        return frozenset()
    cached = getattr(user, "_forum_group_ids", None)
    if cached is None:
        from .models import Membership

        cached = frozenset(
            Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).values_list("group_id", flat=True)
        )
        user._forum_group_ids = cached
    return cached


def prime(users) -> None:
    """Memoise ``is_moderator`` and ``active_group_ids`` for many users in three queries.

    For fan-outs (a reply notifying every watcher) that then ask per user;
    the answers are the ones the per-user functions would give.
    """
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from .models import Membership

    pending = [user for user in users if _authenticated(user)]
    if not pending:
        return
    ids = {user.pk for user in pending}
    User = get_user_model()
    moderators = set(
        User.objects.filter(pk__in=ids).filter(Q(is_superuser=True) | Q(groups__name=MODERATION_GROUP)).values_list("pk", flat=True)
    )
    moderators |= set(
        User.objects.with_perm(MODERATE_PERMISSION, backend="django.contrib.auth.backends.ModelBackend")
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    groups: dict[int, set[int]] = {}
    for user_id, group_id in Membership.objects.filter(user_id__in=ids, status=Membership.Status.ACTIVE).values_list(
        "user_id", "group_id"
    ):
        groups.setdefault(user_id, set()).add(group_id)
    for user in pending:
        if getattr(user, "_forum_is_moderator", None) is None:
            user._forum_is_moderator = user.pk in moderators
        if getattr(user, "_forum_group_ids", None) is None:
            user._forum_group_ids = frozenset(groups.get(user.pk, ()))


def is_group_admin(user, group) -> bool:
    if not _authenticated(user):
        return False
    if is_moderator(user):
        return True
    from .models import Membership

    return Membership.objects.filter(
        user=user, group=group, role=Membership.Role.ADMIN, status=Membership.Status.ACTIVE
    ).exists()


def is_suspended(user) -> bool:
    if not _authenticated(user):
        return False
    cached = getattr(user, "_forum_suspended", None)
    if cached is None:
        from .models import Suspension

        now = timezone.now()
        cached = Suspension.objects.filter(
            user=user, lifted_at__isnull=True, starts_at__lte=now, ends_at__gt=now
        ).exists()
        user._forum_suspended = cached
    return cached


def forget(user) -> None:
    """Drop memoised answers (after a membership, suspension or group change)."""
    for attr in ("_forum_is_moderator", "_forum_is_adviser", "_forum_group_ids", "_forum_suspended"):
        if hasattr(user, attr):
            delattr(user, attr)


def can_view_category(user, category) -> bool:
    if not category.members_only:
        return True
    if not _authenticated(user):
        return False
    if user.is_staff or is_moderator(user):
        return True
    return category.group_id in active_group_ids(user)


def can_view_thread(user, thread) -> bool:
    """Readable category, and the thread has a released post (else only its author and moderators)."""
    if not can_view_category(user, thread.category):
        return False
    if thread.last_post_id is None:
        return _authenticated(user) and (thread.author_id == user.pk or is_moderator(user))
    return True


def can_start_thread(user, category) -> bool:
    return _authenticated(user) and not is_suspended(user) and can_view_category(user, category)


def can_post(user, thread) -> bool:
    """May ``user`` reply in ``thread`` (HTTP and WebSocket)?"""
    if not _authenticated(user):
        return False
    if thread.is_locked:
        return False
    if is_suspended(user):
        return False
    return can_view_thread(user, thread)


def can_edit_post(user, post) -> bool:
    if not _authenticated(user) or post.author_id != user.pk or post.is_deleted:
        return False
    if post.is_hidden or is_suspended(user) or post.thread.is_locked:
        return False
    return can_view_thread(user, post.thread)


def can_delete_post(user, post) -> bool:
    return _authenticated(user) and post.author_id == user.pk and not post.is_deleted and not is_suspended(user)


def can_react(user, post) -> bool:
    return (
        _authenticated(user)
        and not is_suspended(user)
        and post.is_public
        and can_view_thread(user, post.thread)
    )


def can_accept_answer(user, thread) -> bool:
    if not _authenticated(user) or thread.kind != "question":
        return False
    return is_moderator(user) or (thread.author_id == user.pk and not is_suspended(user))


def can_view_post_body(user, post) -> bool:
    """Hidden and pending posts are shown to moderators (and pending ones to their author)."""
    if post.is_deleted:
        return False
    if post.is_hidden:
        return is_moderator(user)
    if post.status != "approved":
        return is_moderator(user) or (_authenticated(user) and post.author_id == user.pk)
    return True
