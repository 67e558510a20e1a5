"""Forum in the Wagtail admin (categories, interest groups, moderation log) and the
hooks through which lower layers show forum content (topic pages, profiles, GDPR)."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from hds_site.audit import ViewOnlyPermissionPolicy

from . import permissions as perms
from . import selectors, services
from .models import Category, InterestGroup, ModerationLog, Post, Reaction, Subscription


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "folder-open-inverse"
    menu_label = _("Kategorien")
    sort_order_field = "order"
    list_display = ["name", "group", "members_only", "topic"]
    search_fields = ["name", "description"]
    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("topic"),
        FieldPanel("group"),
        FieldPanel("members_only"),
    ]


class InterestGroupViewSet(SnippetViewSet):
    model = InterestGroup
    icon = "group"
    menu_label = _("Interessengemeinschaften")
    list_display = ["name", "join_policy", "created_at"]
    search_fields = ["name", "description"]
    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description"), FieldPanel("join_policy")]


# before the viewset is registered (it asks the registry for the model's policy)
register_permission_policy(ModerationLog, ViewOnlyPermissionPolicy(ModerationLog))


class ModerationLogViewSet(SnippetViewSet):
    """Read-only, for everyone: moderation happens through the forum's services, the log records it
    (hds_site.audit: list and inspect with the view permission; no add, edit, copy or delete, not even for
    superusers; the model refuses changes too)."""

    model = ModerationLog
    icon = "list-ul"
    menu_label = _("Moderationsprotokoll")
    list_display = ["created_at", "moderator", "action", "thread", "target_user", "reason"]
    list_filter = ["action"]
    inspect_view_enabled = True
    copy_view_enabled = False


class ForumViewSetGroup(SnippetViewSetGroup):
    menu_label = _("Forum")
    menu_icon = "comment"
    menu_order = 250
    items = (CategoryViewSet, InterestGroupViewSet, ModerationLogViewSet)


register_snippet(ForumViewSetGroup)


class ModerationQueueMenuItem(MenuItem):
    def is_shown(self, request):
        return perms.is_moderator(request.user)


@hooks.register("register_admin_menu_item")
def moderation_queue_menu_item():
    return ModerationQueueMenuItem(
        _("Forum-Moderation"), reverse("community:moderation"), icon_name="warning", order=251
    )


@hooks.register("register_permissions")
def register_moderate_permission():
    return Permission.objects.filter(content_type__app_label="community", codename="moderate")


# --- extension points of lower layers ----------------------------------------------------


@hooks.register("hds_topic_sections")
def topic_recent_threads(context, page):
    """TopicPage: the latest threads of the categories linked to this topic."""
    request = context.get("request")
    viewer = getattr(request, "user", None)
    categories = [c for c in Category.objects.filter(topic_id=page.pk) if perms.can_view_category(viewer, c)]
    if not categories:
        return ""
    threads = selectors.recent_threads_for_categories(viewer, categories, limit=5)
    return render_to_string(
        "community/includes/topic_threads.html", {"threads": threads, "categories": categories}, request=request
    )


@hooks.register("hds_profile_sections")
def profile_posts(context, profile_user):
    """Member profile page: the member's public posts."""
    posts = selectors.public_posts_of(profile_user, limit=10)
    return render_to_string("community/includes/profile_posts.html", {"posts": posts}, request=context.get("request"))


@hooks.register("hds_gdpr_export")
def gdpr_export(user) -> dict:
    posts = Post.objects.filter(author=user).select_related("thread").order_by("created_at")
    return {
        "forum_posts": [
            {
                "thread": p.thread.title, "thread_id": p.thread_id, "number": p.number, "body": p.body,
                "created_at": p.created_at, "edited_at": p.edited_at, "deleted": p.is_deleted,
                "hidden": p.is_hidden, "status": p.status,
            }
            for p in posts
        ],
        "forum_reactions": [
            {"post_id": r.post_id, "thread": r.post.thread.title, "kind": r.kind, "created_at": r.created_at}
            for r in Reaction.objects.filter(user=user).select_related("post__thread").order_by("created_at")
        ],
        "forum_subscriptions": [
            {"thread_id": s.thread_id, "thread": s.thread.title, "level": s.level, "created_at": s.created_at}
            for s in Subscription.objects.filter(user=user).select_related("thread").order_by("created_at")
        ],
        "forum_settings": {"email_mode": services.email_mode(user)},
        "forum_memberships": [
            {"group": m.group.name, "role": m.role, "status": m.status, "since": m.created_at}
            for m in user.forum_memberships.select_related("group")
        ],
    }


@hooks.register("hds_account_deletion")
def account_deletion(user) -> None:
    services.forget_member(user=user)


@hooks.register("hds_profile_changed")
def profile_changed(user, changed) -> None:
    services.member_changed(user=user)


@hooks.register("hds_periodic_jobs")
def periodic_jobs():
    from hds_site.periodic import DAY, PeriodicJob

    # the daily digest (default for members); the command only sends what is due
    return [PeriodicJob("forum-digests", "send_forum_digests", every=DAY, first_delay=60)]
