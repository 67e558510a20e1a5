"""Forum services: permissions, posting, mentions, reactions, answers, edits, moderation, limits."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from community import permissions as perms
from community import selectors, services
from community.models import (
    Membership,
    ModerationLog,
    Notification,
    Post,
    PostRevision,
    Reaction,
    Report,
    Subscription,
    Thread,
)
from hds_site.models import LiveEvent
from tests.factories import CategoryFactory, ForumMemberFactory, InterestGroupFactory, UserFactory, forum_thread

pytestmark = pytest.mark.django_db


# --- permissions -------------------------------------------------------------------


def test_members_only_category_is_readable_by_group_members_and_moderators(moderator):
    group = InterestGroupFactory()
    category = CategoryFactory(group=group, members_only=True)
    member, outsider = ForumMemberFactory(), ForumMemberFactory()
    Membership.objects.create(user=member, group=group)
    pending = ForumMemberFactory()
    Membership.objects.create(user=pending, group=group, status=Membership.Status.PENDING)
    from django.contrib.auth.models import AnonymousUser

    assert perms.can_view_category(member, category)
    assert perms.can_view_category(moderator, category)
    assert not perms.can_view_category(outsider, category)
    assert not perms.can_view_category(pending, category)
    assert not perms.can_view_category(AnonymousUser(), category)
    thread = forum_thread(author=member, category=category)
    assert perms.can_post(member, thread)
    assert not perms.can_post(outsider, thread)
    assert not perms.can_view_thread(outsider, thread)


def test_members_only_needs_a_group_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        CategoryFactory(members_only=True, group=None)


def test_can_post_false_for_anonymous_locked_and_suspended(moderator):
    from django.contrib.auth.models import AnonymousUser

    thread = forum_thread()
    member = ForumMemberFactory()
    assert perms.can_post(member, thread)
    assert not perms.can_post(AnonymousUser(), thread)
    services.suspend_member(user=member, moderator=moderator, reason="Beleidigungen", days=3)
    assert not perms.can_post(member, thread)
    other = ForumMemberFactory()
    services.lock_thread(thread=thread, moderator=moderator, reason="erledigt")
    assert not perms.can_post(other, thread)


def test_is_moderator_by_group_permission_or_superuser():
    plain = ForumMemberFactory()
    assert not perms.is_moderator(plain)
    in_group = ForumMemberFactory()
    in_group.groups.add(Group.objects.get_or_create(name=perms.MODERATION_GROUP)[0])
    assert perms.is_moderator(in_group)
    superuser = ForumMemberFactory(is_superuser=True)
    assert perms.is_moderator(superuser)
    from django.contrib.auth.models import Permission

    with_perm = ForumMemberFactory()
    with_perm.user_permissions.add(Permission.objects.get(codename="moderate", content_type__app_label="community"))
    assert perms.is_moderator(type(with_perm).objects.get(pk=with_perm.pk))


def test_moderation_group_has_the_permission_from_the_migration():
    group = Group.objects.get(name=perms.MODERATION_GROUP)
    assert group.permissions.filter(codename="moderate", content_type__app_label="community").exists()


# --- posting -----------------------------------------------------------------------------


def test_reply_numbers_counts_watch_and_live_events(no_premoderation):
    thread = forum_thread()
    replier = ForumMemberFactory()
    post = services.post_reply(thread=thread, author=replier, body="Ich nehme 450 € pro Tag.")
    thread.refresh_from_db()
    assert post.number == 2 and post.status == Post.Status.APPROVED
    assert thread.reply_count == 1 and thread.last_post_id == post.pk
    assert Subscription.objects.get(thread=thread, user=replier).level == Subscription.Level.WATCHING
    event = LiveEvent.objects.filter(group=f"thread.{thread.pk}", type="post.created").last()
    assert event.data["post_id"] == post.pk and event.data["number"] == 2
    assert 'id="post-2"' in event.html and "450 €" in event.html
    assert LiveEvent.objects.filter(group=f"category.{thread.category_id}", type="thread.activity").exists()
    # the thread author watches and gets a reply notification
    notification = Notification.objects.get(recipient=thread.author, kind=Notification.Kind.REPLY)
    assert notification.post_id == post.pk


def test_reply_to_another_post_and_invalid_reply_to(no_premoderation):
    thread = forum_thread()
    first = thread.posts.get(number=1)
    reply = services.post_reply(thread=thread, author=ForumMemberFactory(), body="Antwort auf den ersten", reply_to=first)
    assert reply.reply_to_id == first.pk
    other_thread = forum_thread(title="Ganz anderes Thema")
    with pytest.raises(ValidationError):
        services.post_reply(thread=other_thread, author=ForumMemberFactory(), body="falsch", reply_to=first)


def test_anonymous_cannot_post():
    from django.contrib.auth.models import AnonymousUser

    thread = forum_thread()
    with pytest.raises(PermissionDenied):
        services.post_reply(thread=thread, author=AnonymousUser(), body="Hallo")


def test_mentions_notify_and_link_to_profile(no_premoderation):
    anna = ForumMemberFactory(display_name="Anna Berg", is_public=True)
    ben = ForumMemberFactory(display_name="ben_k")
    thread = forum_thread()
    post = services.post_reply(
        thread=thread, author=ForumMemberFactory(), body="Frag mal @Anna Berg oder @ben_k, und @niemand."
    )
    assert 'href="/konto/mitglieder/Anna%20Berg/"' in post.body_html or 'href="/konto/mitglieder/Anna Berg/"' in post.body_html
    assert 'class="mention"' in post.body_html
    assert Notification.objects.filter(recipient=anna, kind="mention", post=post).count() == 1
    assert Notification.objects.filter(recipient=ben, kind="mention", post=post).count() == 1
    assert "@niemand" in post.body_html


def test_mentions_of_outsiders_in_members_only_category_do_not_notify(no_premoderation):
    group = InterestGroupFactory()
    category = CategoryFactory(group=group, members_only=True)
    author = ForumMemberFactory()
    Membership.objects.create(user=author, group=group)
    outsider = ForumMemberFactory(display_name="Aussenstehend")
    thread = forum_thread(author=author, category=category)
    services.post_reply(thread=thread, author=author, body="Hallo @Aussenstehend")
    assert not Notification.objects.filter(recipient=outsider).exists()


def test_mention_in_muted_thread_does_not_notify(no_premoderation):
    muted = ForumMemberFactory(display_name="Stumm")
    thread = forum_thread()
    services.set_subscription(thread=thread, user=muted, level=Subscription.Level.MUTED)
    services.post_reply(thread=thread, author=ForumMemberFactory(), body="@Stumm was meinst du?")
    assert not Notification.objects.filter(recipient=muted).exists()


def test_reactions_toggle_and_are_unique(no_premoderation):
    thread = forum_thread()
    post = thread.posts.get(number=1)
    user = ForumMemberFactory()
    assert services.toggle_reaction(post=post, user=user, kind="thumbsup") is True
    assert services.toggle_reaction(post=post, user=user, kind="heart") is True
    assert services.reaction_counts(post) == {"thumbsup": 1, "heart": 1, "idea": 0, "pray": 0}
    assert services.toggle_reaction(post=post, user=user, kind="thumbsup") is False
    assert Reaction.objects.filter(post=post).count() == 1
    event = LiveEvent.objects.filter(type="reaction.changed").last()
    assert event.data["counts"]["thumbsup"] == 0 and event.data["post_id"] == post.pk
    with pytest.raises(ValidationError):
        services.toggle_reaction(post=post, user=user, kind="poop")
    Reaction.objects.create(post=post, user=user, kind="idea")
    with pytest.raises(IntegrityError), transaction.atomic():
        Reaction.objects.create(post=post, user=user, kind="idea")


def test_accepted_answer_by_author_or_moderator_only(no_premoderation, moderator):
    asker = ForumMemberFactory()
    thread = forum_thread(author=asker, kind="question")
    a1 = services.post_reply(thread=thread, author=ForumMemberFactory(), body="Antwort eins")
    a2 = services.post_reply(thread=thread, author=ForumMemberFactory(), body="Antwort zwei")
    with pytest.raises(PermissionDenied):
        services.accept_answer(post=a1, actor=a2.author)
    services.accept_answer(post=a1, actor=asker)
    thread.refresh_from_db()
    assert thread.accepted_post_id == a1.pk
    services.accept_answer(post=a2, actor=moderator)
    thread.refresh_from_db()
    assert thread.accepted_post_id == a2.pk  # one accepted answer: the previous one is replaced
    event = LiveEvent.objects.filter(type="answer.accepted").last()
    assert event.data == {"thread_id": thread.pk, "post_id": a2.pk, "number": a2.number, "previous_post_id": a1.pk}
    assert ModerationLog.objects.filter(action="accept", post=a2, moderator=moderator).exists()
    with pytest.raises(ValidationError):
        services.accept_answer(post=thread.posts.get(number=1), actor=asker)


def test_accepted_answer_only_on_questions_is_a_db_constraint(no_premoderation):
    thread = forum_thread(kind="discussion")
    reply = services.post_reply(thread=thread, author=ForumMemberFactory(), body="Antwort")
    with pytest.raises(IntegrityError), transaction.atomic():
        Thread.objects.filter(pk=thread.pk).update(accepted_post=reply)
    with pytest.raises(PermissionDenied):
        services.accept_answer(post=reply, actor=thread.author)


def test_edit_keeps_history_and_marks_edited(no_premoderation):
    thread = forum_thread(body="Erste Fassung")
    post = thread.posts.get(number=1)
    services.edit_post(post=post, editor=thread.author, body="Zweite Fassung")
    post.refresh_from_db()
    assert post.body == "Zweite Fassung" and post.edited_at is not None
    assert list(PostRevision.objects.filter(post=post).values_list("body", flat=True)) == ["Erste Fassung"]
    assert LiveEvent.objects.filter(type="post.edited", data__post_id=post.pk).exists()
    with pytest.raises(PermissionDenied):
        services.edit_post(post=post, editor=ForumMemberFactory(), body="fremd")


def test_soft_delete_own_post(no_premoderation):
    thread = forum_thread()
    reply = services.post_reply(thread=thread, author=ForumMemberFactory(), body="Wird gelöscht")
    with pytest.raises(PermissionDenied):
        services.delete_post(post=reply, actor=thread.author)
    services.delete_post(post=reply, actor=reply.author)
    reply.refresh_from_db()
    thread.refresh_from_db()
    assert reply.is_deleted and Post.objects.filter(pk=reply.pk).exists()
    assert thread.reply_count == 0
    event = LiveEvent.objects.filter(type="post.deleted").last()
    assert "Wird gelöscht" not in event.html and 'id="post-2"' in event.html


# --- moderation ------------------------------------------------------------------------------


def test_hide_unhide_lock_pin_move_are_logged(no_premoderation, moderator):
    thread = forum_thread()
    reply = services.post_reply(thread=thread, author=ForumMemberFactory(), body="Geheime Beleidigung")
    report = services.report_post(post=reply, reporter=ForumMemberFactory(), reason="abuse", text="unfreundlich")
    with pytest.raises(PermissionDenied):
        services.hide_post(post=reply, moderator=ForumMemberFactory(), reason="x")
    with pytest.raises(ValidationError):
        services.hide_post(post=reply, moderator=moderator, reason="")
    services.hide_post(post=reply, moderator=moderator, reason="Beleidigung")
    report.refresh_from_db()
    assert report.status == Report.Status.RESOLVED
    hidden = LiveEvent.objects.filter(type="post.hidden").last()
    assert "Geheime Beleidigung" not in hidden.html and "Geheime" not in str(hidden.data)
    services.unhide_post(post=reply, moderator=moderator, reason="doch ok")
    services.lock_thread(thread=thread, moderator=moderator, reason="Streit")
    services.unlock_thread(thread=thread, moderator=moderator)
    services.pin_thread(thread=thread, moderator=moderator)
    services.unpin_thread(thread=thread, moderator=moderator)
    target = CategoryFactory()
    services.move_thread(thread=thread, category=target, moderator=moderator, reason="passt besser")
    thread.refresh_from_db()
    assert thread.category_id == target.pk
    actions = list(ModerationLog.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["hide", "unhide", "lock", "unlock", "pin", "unpin", "move"]
    log = ModerationLog.objects.get(action="hide")
    assert log.moderator == moderator and log.reason == "Beleidigung" and log.post == reply
    types = set(LiveEvent.objects.filter(group=f"thread.{thread.pk}").values_list("type", flat=True))
    assert {"thread.locked", "thread.unlocked", "thread.pinned", "thread.unpinned", "thread.moved",
            "post.hidden", "post.unhidden"} <= types
    assert Notification.objects.filter(recipient=reply.author, kind="moderation").exists()


def test_duplicate_report_is_rejected(no_premoderation):
    thread = forum_thread()
    post = thread.posts.get(number=1)
    reporter = ForumMemberFactory()
    services.report_post(post=post, reporter=reporter, reason="spam")
    with pytest.raises(ValidationError):
        services.report_post(post=post, reporter=reporter, reason="spam")


def test_premoderation_of_new_members_and_approval(moderator):
    thread = forum_thread()
    newbie = UserFactory()  # joined just now, no approved post
    pending = services.post_reply(thread=thread, author=newbie, body="Mein erster Beitrag @" )
    assert pending.status == Post.Status.PENDING
    thread.refresh_from_db()
    assert thread.reply_count == 0
    assert not LiveEvent.objects.filter(group=f"thread.{thread.pk}", data__post_id=pending.pk).exists()
    assert pending in [p for p in selectors.moderation_queue()["pending"]]
    # others do not see it, the author does
    assert pending.pk not in [p.pk for p in selectors.thread_posts(thread, ForumMemberFactory(), 1)]
    assert pending.pk in [p.pk for p in selectors.thread_posts(thread, newbie, 1)]
    services.approve_post(post=pending, moderator=moderator)
    approved = LiveEvent.objects.get(group=f"thread.{thread.pk}", type="post.approved")
    assert approved.data["post_id"] == pending.pk and "Mein erster Beitrag" in approved.html
    assert ModerationLog.objects.filter(action="approve", post=pending).exists()
    thread.refresh_from_db()
    assert thread.reply_count == 1


def test_premoderation_rules_are_configurable(settings):
    old_member_without_posts = ForumMemberFactory()
    assert services.needs_approval(old_member_without_posts)  # no approved post yet
    settings.HDS_FORUM_PREMODERATION = {"until_first_approved_post": False}
    assert not services.needs_approval(old_member_without_posts)
    assert services.needs_approval(UserFactory())  # account younger than a day
    settings.HDS_FORUM_PREMODERATION = {"enabled": False}
    assert not services.needs_approval(UserFactory())


def test_rejected_post_leaves_the_queue(moderator):
    thread = forum_thread()
    pending = services.post_reply(thread=thread, author=UserFactory(), body="Werbung für Kredite")
    services.reject_post(post=pending, moderator=moderator, reason="Spam")
    assert pending.pk not in [p.pk for p in selectors.moderation_queue()["pending"]]
    assert ModerationLog.objects.filter(action="reject", post=pending, reason="Spam").exists()


def test_rate_limit_per_minute_and_duplicate_guard(settings, no_premoderation):
    settings.HDS_FORUM_RATE_LIMITS = {"per_minute": 3}
    thread = forum_thread()
    member = ForumMemberFactory()
    services.post_reply(thread=thread, author=member, body="Beitrag A")
    with pytest.raises(ValidationError) as exc:
        services.post_reply(thread=thread, author=member, body="Beitrag A")
    assert exc.value.error_dict["body"][0].code == "duplicate"
    services.post_reply(thread=thread, author=member, body="Beitrag B")
    services.post_reply(thread=thread, author=member, body="Beitrag C")
    with pytest.raises(ValidationError) as exc:
        services.post_reply(thread=thread, author=member, body="Beitrag D")
    assert exc.value.error_dict["body"][0].code == "rate_limited"


def test_rate_limit_per_day_for_new_members(settings, no_premoderation):
    settings.HDS_FORUM_RATE_LIMITS = {"per_minute": 0, "per_day_new_member": 2}
    thread = forum_thread()
    newbie = UserFactory()
    veteran = ForumMemberFactory()
    for i in range(2):
        services.post_reply(thread=thread, author=newbie, body=f"neu {i}")
        services.post_reply(thread=thread, author=veteran, body=f"alt {i}")
    with pytest.raises(ValidationError):
        services.post_reply(thread=thread, author=newbie, body="neu 3")
    services.post_reply(thread=thread, author=veteran, body="alt 3")


def test_suspended_member_cannot_post_react_or_start_threads(no_premoderation, moderator):
    thread = forum_thread()
    member = ForumMemberFactory()
    suspension = services.suspend_member(user=member, moderator=moderator, reason="Spam", days=7)
    assert ModerationLog.objects.filter(action="suspend", target_user=member, reason="Spam").exists()
    with pytest.raises(PermissionDenied):
        services.post_reply(thread=thread, author=member, body="Trotzdem")
    with pytest.raises(PermissionDenied):
        services.create_thread(category=thread.category, author=member, title="Neues Thema", body="Text")
    with pytest.raises(PermissionDenied):
        services.toggle_reaction(post=thread.posts.first(), user=member, kind="heart")
    services.lift_suspension(suspension=suspension, moderator=moderator)
    services.post_reply(thread=thread, author=member, body="Wieder da")
    # an expired suspension does not block
    services.suspend_member(user=member, moderator=moderator, reason="kurz",
                            until=timezone.now() + timedelta(seconds=1))
    from community.models import Suspension

    Suspension.objects.filter(user=member, lifted_at__isnull=True).update(
        starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=1)
    )
    perms.forget(member)
    assert perms.can_post(member, thread)


def test_locked_thread_rejects_replies(no_premoderation, moderator):
    thread = forum_thread()
    services.lock_thread(thread=thread, moderator=moderator)
    with pytest.raises(ValidationError):
        services.post_reply(thread=thread, author=ForumMemberFactory(), body="Noch was")


# --- groups --------------------------------------------------------------------------------


def test_open_and_request_groups():
    open_group = InterestGroupFactory(join_policy="open")
    closed = InterestGroupFactory(join_policy="request")
    member, admin = ForumMemberFactory(), ForumMemberFactory()
    assert services.join_group(group=open_group, user=member).status == "active"
    request = services.join_group(group=closed, user=member)
    assert request.status == "pending"
    with pytest.raises(PermissionDenied):
        services.decide_membership(membership=request, admin=ForumMemberFactory(), approve=True)
    Membership.objects.create(user=admin, group=closed, role="admin")
    services.decide_membership(membership=request, admin=admin, approve=True)
    request.refresh_from_db()
    assert request.status == "active"
    assert selectors.group_member_count(closed) == 2
    assert Notification.objects.filter(recipient=member, kind="moderation").exists()


# --- reading -----------------------------------------------------------------------------------


def test_unread_tracking_jumps_to_first_unread(no_premoderation):
    thread = forum_thread()
    reader = ForumMemberFactory()
    assert selectors.first_unread_number(reader, thread) == 1
    services.post_reply(thread=thread, author=ForumMemberFactory(), body="zwei")
    services.mark_thread_read(user=reader, thread=thread, number=2)
    services.post_reply(thread=thread, author=ForumMemberFactory(), body="drei")
    assert selectors.first_unread_number(reader, thread) == 3
    services.mark_thread_read(user=reader, thread=thread, number=1)  # never goes back
    assert selectors.last_read_number(reader, thread) == 2


def test_mark_notifications_read_publishes_count(no_premoderation):
    thread = forum_thread()
    services.post_reply(thread=thread, author=ForumMemberFactory(), body="Antwort")
    author = thread.author
    assert selectors.unread_notification_count(author) == 1
    services.mark_notifications_read(user=author)
    assert selectors.unread_notification_count(author) == 0
    event = LiveEvent.objects.filter(group=f"user.{author.pk}", type="notifications.read").last()
    assert event.data == {"unread_count": 0}
    created = LiveEvent.objects.filter(group=f"user.{author.pk}", type="notification.created").last()
    assert created.data["unread_count"] == 1 and created.data["kind"] == "reply" and "<li" in created.html
