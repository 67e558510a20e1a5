"""A reply notifies every watcher in a constant number of queries.

The reply transaction holds the thread's row lock (post numbers are gap-free),
so work per watcher inside it would serialise every reply of a busy thread;
found by `make soak`, where replies to threads with 50 watchers took seconds.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import services
from community.models import ForumPreference, Membership, Notification, Subscription
from hds_site.models import LiveEvent, LiveStream
from tests.factories import CategoryFactory, ForumMemberFactory, InterestGroupFactory, forum_thread

pytestmark = pytest.mark.django_db


def _watchers(thread, n, *, group=None):
    users = []
    for _ in range(n):
        user = ForumMemberFactory()
        if group is not None:
            Membership.objects.create(user=user, group=group)
        services.set_subscription(thread=thread, user=user, level=Subscription.Level.WATCHING)
        users.append(user)
    return users


def _reply_queries(thread):
    author = ForumMemberFactory()
    if thread.category.group_id:
        Membership.objects.create(user=author, group_id=thread.category.group_id)
    with CaptureQueriesContext(connection) as queries:
        services.post_reply(thread=thread, author=author, body="Eine Antwort an alle, die mitlesen.", enforce_limits=False)
    return len(queries)


@pytest.mark.parametrize("members_only", [False, True])
def test_reply_queries_do_not_grow_with_the_watchers(no_premoderation, members_only):
    def thread_with(n):
        group = InterestGroupFactory() if members_only else None
        category = CategoryFactory(group=group, members_only=members_only)
        author = ForumMemberFactory()
        if group is not None:
            Membership.objects.create(user=author, group=group)
        thread = forum_thread(author=author, category=category)
        _watchers(thread, n, group=group)
        return thread

    few, many = thread_with(1), thread_with(15)
    assert _reply_queries(few) == _reply_queries(many)
    assert Notification.objects.filter(thread=many, kind=Notification.Kind.REPLY).count() == 16  # 15 + the author


def test_every_watcher_gets_one_notification_and_one_live_event_in_sequence(no_premoderation):
    thread = forum_thread()
    watchers = _watchers(thread, 6)
    # one watcher already has events in their stream: numbering continues from there
    services.notify(recipient=watchers[0], kind=Notification.Kind.MODERATION, message="Hinweis")
    replier = ForumMemberFactory()
    post = services.post_reply(thread=thread, author=replier, body="Neue Antwort für alle", enforce_limits=False)
    for user in watchers + [thread.author]:
        note = Notification.objects.get(recipient=user, kind=Notification.Kind.REPLY)
        assert note.post_id == post.pk
        events = list(LiveEvent.objects.filter(group=f"user.{user.pk}").order_by("seq"))
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert events[-1].type == "notification.created" and events[-1].data["id"] == note.pk
        assert events[-1].data["unread_count"] == Notification.objects.filter(recipient=user, read_at=None).count()
        assert LiveStream.objects.get(group=f"user.{user.pk}").last_seq == events[-1].seq
    assert not Notification.objects.filter(recipient=replier).exists()


def test_members_only_thread_skips_watchers_who_left_the_group(no_premoderation):
    group = InterestGroupFactory()
    category = CategoryFactory(group=group, members_only=True)
    author = ForumMemberFactory()
    Membership.objects.create(user=author, group=group)
    thread = forum_thread(author=author, category=category)
    stay, leave = _watchers(thread, 2, group=group)
    Membership.objects.filter(user=leave).delete()
    services.post_reply(thread=thread, author=author, body="Nur für die Gruppe", enforce_limits=False)
    assert Notification.objects.filter(recipient=stay, kind=Notification.Kind.REPLY).count() == 1
    assert not Notification.objects.filter(recipient=leave).exists()


def test_immediate_email_only_for_members_who_chose_it(no_premoderation, mailoutbox, django_capture_on_commit_callbacks):
    thread = forum_thread()
    now, digest = _watchers(thread, 2)
    ForumPreference.objects.update_or_create(user=now, defaults={"email_mode": ForumPreference.EmailMode.IMMEDIATE})
    with django_capture_on_commit_callbacks(execute=True):
        services.post_reply(thread=thread, author=ForumMemberFactory(), body="Bitte lesen", enforce_limits=False)
    recipients = [address for mail in mailoutbox for address in mail.to]
    assert now.email in recipients and digest.email not in recipients


def test_prime_gives_the_answers_of_the_per_user_checks(moderator):
    from django.contrib.auth.models import Permission

    from community import permissions as perms
    from tests.factories import UserFactory

    group = InterestGroupFactory()
    member, outsider, by_perm, inactive = (ForumMemberFactory() for _ in range(4))
    Membership.objects.create(user=member, group=group)
    by_perm.user_permissions.add(Permission.objects.get(codename="moderate", content_type__app_label="community"))
    inactive.is_active = False
    inactive.save()
    superuser = UserFactory(is_superuser=True)
    users = [member, outsider, by_perm, inactive, superuser, moderator]

    def fresh():
        from django.contrib.auth import get_user_model

        return [get_user_model().objects.get(pk=user.pk) for user in users]

    expected = [(perms.is_moderator(u), perms.active_group_ids(u)) for u in fresh()]
    primed = fresh()
    perms.prime(primed)
    with CaptureQueriesContext(connection) as queries:
        answers = [(perms.is_moderator(u), perms.active_group_ids(u)) for u in primed]
    assert answers == expected and len(queries) == 0
    assert expected[0] == (False, frozenset({group.pk}))
    assert expected[2][0] and expected[4][0] and expected[5][0] and not expected[1][0]
