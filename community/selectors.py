"""Reads shared by pages, hooks and consumers, each with a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from . import permissions as perms
from .models import (
    Category,
    InterestGroup,
    Membership,
    ModerationLog,
    Notification,
    Post,
    Reaction,
    ReadState,
    Report,
    Subscription,
    Suspension,
    Thread,
)

User = get_user_model()

POSTS_PER_PAGE = 20
THREADS_PER_PAGE = 50

REACTION_CHOICES = [(kind, Reaction.EMOJI[kind], label) for kind, label in Reaction.Kind.choices]


def _in_group(name: str, user_field: str):
    return Exists(
        User.groups.through.objects.filter(user_id=OuterRef(user_field), group__name=name)
    )


def page_of(number: int) -> int:
    """Posts are paginated by their number, so a post's page never changes."""
    return max(1, (number - 1) // POSTS_PER_PAGE + 1)


@dataclass
class ReactionView:
    kind: str
    emoji: str
    label: str
    count: int
    mine: bool


def posts_for_render(qs: QuerySet, *, viewer=None) -> list[Post]:
    """Posts with everything the post partial needs: 2 queries (+1 with a viewer)."""
    posts = list(
        qs.select_related(
            "thread__category", "author__profile", "reply_to__author__profile"
        ).annotate(
            author_is_adviser=_in_group(perms.ADVISER_GROUP, "author_id"),
            author_is_moderator=_in_group(perms.MODERATION_GROUP, "author_id"),
        )
    )
    ids = [p.pk for p in posts]
    counts: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    if ids:
        for row in Reaction.objects.filter(post_id__in=ids).values("post_id", "kind").annotate(n=Count("id")):
            counts[row["post_id"]][row["kind"]] = row["n"]
    mine: set[tuple[int, str]] = set()
    if ids and viewer is not None and viewer.is_authenticated:
        mine = set(Reaction.objects.filter(post_id__in=ids, user=viewer).values_list("post_id", "kind"))
    for post in posts:
        post.reaction_list = [
            ReactionView(kind, emoji, str(label), counts[post.pk].get(kind, 0), (post.pk, kind) in mine)
            for kind, emoji, label in REACTION_CHOICES
        ]
    return posts


def visible_threads(viewer, qs: QuerySet | None = None) -> QuerySet:
    """Threads ``viewer`` may see in lists: readable category, a released post."""
    qs = Thread.objects.all() if qs is None else qs
    if perms.is_moderator(viewer) or (viewer is not None and viewer.is_authenticated and viewer.is_staff):
        return qs
    qs = qs.filter(last_post__isnull=False)
    groups = perms.active_group_ids(viewer)
    return qs.filter(Q(category__members_only=False) | Q(category__group_id__in=list(groups)))


def thread_list(viewer, qs: QuerySet) -> QuerySet:
    """Thread rows for lists: pinned first, then by last activity; one query."""
    qs = visible_threads(viewer, qs).select_related(
        "category", "author__profile", "last_post__author__profile"
    ).order_by("-is_pinned", "-last_activity_at", "-pk")
    if viewer is not None and viewer.is_authenticated:
        qs = qs.annotate(
            last_read_number=Subquery(
                ReadState.objects.filter(thread=OuterRef("pk"), user=viewer).values("last_read_number")[:1]
            )
        )
    return qs


def mark_unread(threads) -> list:
    """Set ``has_unread`` on thread rows (annotated by thread_list); no query."""
    rows = list(threads)
    for t in rows:
        last_read = getattr(t, "last_read_number", None)
        t.has_unread = last_read is not None and t.last_post_id is not None and last_read < t.last_number
        t.is_new_to_viewer = hasattr(t, "last_read_number") and last_read is None
    return rows


def visible_categories(viewer) -> list[Category]:
    cats = Category.objects.select_related("group").order_by("order", "name")
    return [c for c in cats if perms.can_view_category(viewer, c)]


def category_stats(categories: list[Category], viewer) -> dict[int, int]:
    ids = [c.pk for c in categories]
    rows = visible_threads(viewer, Thread.objects.filter(category_id__in=ids)).values("category_id").annotate(
        n=Count("id")
    )
    return {row["category_id"]: row["n"] for row in rows}


def thread_posts(thread: Thread, viewer, page: int) -> list[Post]:
    """The posts of one page: pending posts only for moderators and their author."""
    lo = (page - 1) * POSTS_PER_PAGE
    qs = Post.objects.filter(thread=thread, number__gt=lo, number__lte=lo + POSTS_PER_PAGE)
    if not perms.is_moderator(viewer):
        pending_visible = Q(status=Post.Status.PENDING, is_hidden=False)
        if viewer is not None and viewer.is_authenticated:
            pending_visible &= Q(author=viewer)
        else:
            pending_visible = Q(pk__in=[])
        qs = qs.filter(Q(status=Post.Status.APPROVED) | pending_visible)
    return posts_for_render(qs.order_by("number"), viewer=viewer)


def page_count(thread: Thread) -> int:
    return page_of(thread.last_number) if thread.last_number else 1


def subscription_level(user, thread: Thread) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    return Subscription.objects.filter(user=user, thread=thread).values_list("level", flat=True).first()


def last_read_number(user, thread: Thread) -> int | None:
    if user is None or not user.is_authenticated:
        return None
    return ReadState.objects.filter(user=user, thread=thread).values_list("last_read_number", flat=True).first()


def first_unread_number(user, thread: Thread) -> int:
    """The number of the first post ``user`` has not seen (1 for a new reader)."""
    last = last_read_number(user, thread) or 0
    qs = Post.objects.filter(thread=thread, number__gt=last, status=Post.Status.APPROVED).order_by("number")
    number = qs.values_list("number", flat=True).first()
    return number or max(1, thread.last_number)


def unread_notification_count(user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(user) -> QuerySet:
    return Notification.objects.filter(recipient=user).select_related(
        "actor__profile", "thread", "post"
    ).order_by("-created_at", "-id")


def recent_threads_for_categories(viewer, categories, limit: int = 5) -> list[Thread]:
    return mark_unread(thread_list(viewer, Thread.objects.filter(category__in=categories))[:limit])


def recent_threads_of_group(viewer, group: InterestGroup, limit: int = 10) -> list[Thread]:
    return mark_unread(thread_list(viewer, Thread.objects.filter(category__group=group))[:limit])


def group_member_count(group: InterestGroup) -> int:
    return Membership.objects.filter(group=group, status=Membership.Status.ACTIVE).count()


def membership_of(user, group: InterestGroup) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, group=group).first()


def groups_with_counts() -> QuerySet:
    return InterestGroup.objects.annotate(
        member_count=Count("memberships", filter=Q(memberships__status=Membership.Status.ACTIVE))
    ).order_by("name")


def pending_memberships(group: InterestGroup) -> QuerySet:
    return Membership.objects.filter(group=group, status=Membership.Status.PENDING).select_related("user__profile")


def public_posts_of(user, limit: int = 10) -> list[Post]:
    """What anyone may see of a member's posts: released, not hidden/deleted, public categories."""
    return list(
        Post.objects.filter(
            author=user, status=Post.Status.APPROVED, is_hidden=False, is_deleted=False,
            thread__category__members_only=False,
        ).select_related("thread").order_by("-created_at")[:limit]
    )


def moderation_queue() -> dict:
    return {
        "pending": posts_for_render(
            Post.objects.filter(status=Post.Status.PENDING, is_hidden=False, is_deleted=False).order_by("created_at")
        ),
        "reports": list(
            Report.objects.filter(status=Report.Status.OPEN)
            .select_related("post__thread", "post__author__profile", "reporter__profile")
            .order_by("created_at")
        ),
        "suspensions": list(
            Suspension.objects.filter(lifted_at__isnull=True, ends_at__gt=timezone.now())
            .select_related("user__profile", "created_by__profile")
        ),
        "log": list(
            ModerationLog.objects.select_related(
                "moderator__profile", "thread", "post", "target_user__profile"
            )[:50]
        ),
    }


def moderation_group() -> Group | None:
    return Group.objects.filter(name=perms.MODERATION_GROUP).first()


def digest_recipient_ids() -> list[int]:
    """Members who get the daily digest (the default mode) and have something new for it."""
    from .models import ForumPreference

    not_digest = ForumPreference.objects.exclude(email_mode=ForumPreference.EmailMode.DIGEST).values("user_id")
    return list(
        Notification.objects.filter(read_at__isnull=True, emailed_at__isnull=True, recipient__is_active=True)
        .exclude(recipient__email="")
        .exclude(recipient_id__in=not_digest)
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")
    )
