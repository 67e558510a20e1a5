"""The replay log never holds more than the pages show (issue 12, point 1; docs/realtime.md).

A client that resumes from seq 0 over a real WebSocket (the project's ASGI
application through Channels' WebsocketCommunicator, in-memory or Redis layer)
after a post was hidden, deleted or edited, or after a member was renamed or
deleted their account, gets the current state only: never the old text, the
old name or the profile link. The same holds for the other stored copies:
notifications, mails not sent yet, and the search index.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail as django_mail
from django.utils import timezone

from community import events, services
from community.models import Category, ForumPreference, Notification, Post
from community.permissions import MODERATION_GROUP
from hds_site import mail, realtime
from hds_site.accounts import services as accounts
from hds_site.models import LiveEvent, OutboxMail
from tests.community.test_live import Socket, db, forum, layer, login_cookie, run, thread_path  # noqa: F401
from tests.factories import UserFactory
from tests.smtp_server import free_port, use_smtp

SECRET = "Kontonummer DE12 3456 7890"


def replay(path: str, *, cookie: str | None = None) -> list[dict]:
    """Everything a client gets when it resumes from seq 0 on ``path``."""
    out: list[dict] = []

    async def scenario():
        socket = await Socket.open(path, cookie=cookie, resume=0)
        out.extend(socket.replayed)
        await socket.close()

    run(scenario)
    return out


def as_text(replayed: list[dict]) -> str:
    return json.dumps(replayed, ensure_ascii=False)


def events_of(replayed: list[dict], post: Post) -> list[dict]:
    return [e for e in replayed if e["data"].get("post_id") == post.pk]


# --- over the WebSocket (transaction=True: consumers use their own connections) ----------------------


@pytest.mark.django_db(transaction=True)
def test_a_hidden_post_replays_as_the_placeholder_without_its_body(forum):
    post = services.post_reply(thread=forum.thread, author=forum.reader, body=f"Meine {SECRET}, bitte überweisen")
    assert SECRET in as_text(replay(thread_path(forum.thread)))  # the log carried it while it was public

    services.hide_post(post=post, moderator=forum.moderator, reason="Persönliche Daten")

    replayed = replay(thread_path(forum.thread))
    assert SECRET not in as_text(replayed)
    created = [e for e in events_of(replayed, post) if e["type"] == events.POST_CREATED]
    assert len(created) == 1  # the event stays (same seq, same order), its content is the current one
    assert "von der Moderation ausgeblendet" in created[0]["html"]
    assert [e["type"] for e in events_of(replayed, post)][-1] == events.POST_HIDDEN


@pytest.mark.django_db(transaction=True)
def test_a_deleted_post_replays_as_deleted(forum):
    post = services.post_reply(thread=forum.thread, author=forum.reader, body=f"Aus Versehen: {SECRET}")
    services.accept_answer(post=post, actor=forum.author)  # answer.accepted carries the post too

    services.delete_post(post=post, actor=forum.reader)

    replayed = replay(thread_path(forum.thread))
    assert SECRET not in as_text(replayed)
    for event in events_of(replayed, post):
        if event["html"]:
            assert "gelöscht" in event["html"]
        assert event["data"].get("author_name", "") == ""


@pytest.mark.django_db(transaction=True)
def test_an_edited_post_replays_with_the_current_text_only(forum):
    post = services.post_reply(thread=forum.thread, author=forum.reader, body=f"Erste Fassung mit {SECRET}")

    services.edit_post(post=post, editor=forum.reader, body="Zweite Fassung, ohne Nummer.")

    replayed = replay(thread_path(forum.thread))
    assert SECRET not in as_text(replayed)
    created = [e for e in events_of(replayed, post) if e["type"] == events.POST_CREATED][0]
    assert "Zweite Fassung, ohne Nummer." in created["html"]


def _member_with_traces(forum, name: str):
    """A member with a public profile who posted, was replied to, and mentioned someone."""
    member = UserFactory(display_name=name, is_public=True)
    profile_url = member.profile.get_absolute_url()
    own = services.post_reply(thread=forum.thread, author=member, body="@Ben Leser, rechnest du mit Fixkosten?")
    services.post_reply(thread=forum.thread, author=forum.reader, body="Ja, immer.", reply_to=own)
    return member, profile_url


def _mention_of(forum, name: str) -> Post:
    return services.post_reply(thread=forum.thread, author=forum.author, body=f"Danke, @{name}!")


@pytest.mark.django_db(transaction=True)
def test_after_account_deletion_the_replay_shows_a_deleted_member_without_name_or_link(forum):
    member, profile_url = _member_with_traces(forum, "Zora Geheimname")
    member_id = member.pk
    reader_cookie = login_cookie(forum.reader)
    before = as_text(replay(thread_path(forum.thread))) + as_text(replay("/ws/notifications/", cookie=reader_cookie))
    assert "Zora Geheimname" in before and profile_url in before

    accounts.delete_account(user=member)

    thread_log = as_text(replay(thread_path(forum.thread)))
    notifications_log = as_text(replay("/ws/notifications/", cookie=reader_cookie))
    for log in (thread_log, notifications_log):
        assert "Zora Geheimname" not in log
        assert profile_url not in log
    assert "gelöschtes Mitglied" in thread_log
    assert f'"author_id": {member_id}' not in thread_log
    # the member's own stream is gone with the account
    assert not LiveEvent.objects.filter(group=events.user_group(member_id)).exists()


@pytest.mark.django_db(transaction=True)
def test_after_a_display_name_change_the_replay_shows_only_the_new_name(forum):
    member, old_url = _member_with_traces(forum, "Alter Name")
    reader_cookie = login_cookie(forum.reader)

    accounts.update_profile(user=member, display_name="Neuer Name")

    thread_log = as_text(replay(thread_path(forum.thread)))
    notifications_log = as_text(replay("/ws/notifications/", cookie=reader_cookie))
    for log in (thread_log, notifications_log):
        assert "Alter Name" not in log
        assert old_url not in log
        assert "Neuer Name" in log
    new_url = member.profile.get_absolute_url()
    assert new_url in thread_log

    # a profile made private: the name stays, the link goes
    accounts.update_profile(user=member, is_public=False)
    thread_log = as_text(replay(thread_path(forum.thread)))
    assert "Neuer Name" in thread_log and new_url not in thread_log


# --- the other stored copies ---------------------------------------------------------------------------


@pytest.fixture
def quiet_forum(settings):
    settings.HDS_FORUM_PREMODERATION = {"enabled": False}
    settings.HDS_FORUM_RATE_LIMITS = {"per_minute": 0, "per_day_new_member": 0, "duplicate_window": None}
    author = UserFactory(display_name="Zora Geheimname", is_public=True)
    reader = UserFactory(display_name="Ben Leser")
    moderator = UserFactory(display_name="Mo Deration")
    moderator.groups.add(Group.objects.get_or_create(name=MODERATION_GROUP)[0])
    category = Category.objects.create(name="Honorare", slug="honorare")
    thread = services.create_thread(category=category, author=moderator, title="Tagessätze kalkulieren",
                                    body="Wie rechnet ihr?")
    services.set_email_mode(user=reader, mode=ForumPreference.EmailMode.IMMEDIATE)
    return author, reader, moderator, thread


def deliver_everything_later(settings) -> list:
    """The SMTP server is back: deliver what waited, into Django's test mailbox."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    django_mail.outbox.clear()
    mail.deliver_due(now=timezone.now() + timedelta(days=2))
    return list(django_mail.outbox)


def pending_to(address: str):
    return [m for m in OutboxMail.objects.filter(status=OutboxMail.Status.PENDING) if address in m.to]


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["hide", "delete"])
def test_an_unsent_mail_never_quotes_a_post_hidden_or_deleted_after_it_was_queued(quiet_forum, settings, change):
    author, reader, moderator, thread = quiet_forum
    use_smtp(settings, free_port())  # the server is down: the mention mail waits in the outbox
    post = services.post_reply(thread=thread, author=author, body=f"@Ben Leser, hier meine {SECRET}")
    assert pending_to(reader.email)
    assert not any(SECRET in m.body for m in OutboxMail.objects.all())  # composed at delivery, not stored

    if change == "hide":
        services.hide_post(post=post, moderator=moderator, reason="Persönliche Daten")
    else:
        services.delete_post(post=post, actor=author)

    sent = deliver_everything_later(settings)
    assert [m for m in sent if reader.email in m.to]  # the notification itself still goes out
    for message in sent:
        assert SECRET not in message.subject + message.body


@pytest.mark.django_db
def test_an_unsent_mail_quotes_the_edited_text_and_the_new_name(quiet_forum, settings):
    author, reader, moderator, thread = quiet_forum
    use_smtp(settings, free_port())
    post = services.post_reply(thread=thread, author=author, body=f"@Ben Leser, hier meine {SECRET}")
    services.edit_post(post=post, editor=author, body="@Ben Leser, Nummer per Nachricht.")
    accounts.update_profile(user=author, display_name="Zora Neu")

    sent = [m for m in deliver_everything_later(settings) if reader.email in m.to]
    assert len(sent) == 1
    assert SECRET not in sent[0].body and "Nummer per Nachricht" in sent[0].body
    assert "Zora Neu" in sent[0].subject and "Zora Geheimname" not in sent[0].subject + sent[0].body


@pytest.mark.django_db
def test_account_deletion_removes_unsent_mails_to_the_member_and_anonymises_mails_about_them(quiet_forum, settings):
    author, reader, moderator, thread = quiet_forum
    use_smtp(settings, free_port())
    services.set_email_mode(user=author, mode=ForumPreference.EmailMode.IMMEDIATE)
    services.post_reply(thread=thread, author=reader, body="@Zora Geheimname, wie siehst du das?")
    services.post_reply(thread=thread, author=author, body="@Ben Leser, so sehe ich das.")
    author_email = author.email
    assert pending_to(author_email) and pending_to(reader.email)

    accounts.delete_account(user=author)

    assert not [m for m in OutboxMail.objects.all() if author_email in m.to]  # not even a record
    sent = deliver_everything_later(settings)
    assert sent and all(author_email not in m.to for m in sent)
    for message in sent:
        assert "Zora Geheimname" not in message.subject + message.body


@pytest.mark.django_db
def test_a_queued_digest_names_members_as_they_are_when_it_leaves(quiet_forum, settings):
    from community import tasks

    author, reader, moderator, thread = quiet_forum
    services.set_email_mode(user=reader, mode=ForumPreference.EmailMode.DIGEST)
    use_smtp(settings, free_port())
    services.post_reply(thread=thread, author=author, body="@Ben Leser, schau mal.")
    assert tasks.send_digest.call(reader.pk) == 1
    assert pending_to(reader.email)

    accounts.delete_account(user=author)

    sent = deliver_everything_later(settings)
    assert len(sent) == 1 and "Neues im Forum" in sent[0].subject
    assert "Zora Geheimname" not in sent[0].body


@pytest.mark.django_db
def test_notifications_keep_no_name_or_excerpt_of_a_deleted_member(quiet_forum):
    author, reader, moderator, thread = quiet_forum
    services.post_reply(thread=thread, author=author, body=f"@Ben Leser, {SECRET}")
    notification = Notification.objects.get(recipient=reader)

    accounts.delete_account(user=author)

    notification.refresh_from_db()
    assert notification.actor_id is None
    text = services.notification_text(notification)
    assert "Zora Geheimname" not in text and SECRET not in text + notification.message
    stored = as_text([e.envelope() for e in LiveEvent.objects.filter(group=events.user_group(reader.pk))])
    assert "Zora Geheimname" not in stored


@pytest.mark.django_db
def test_the_search_index_finds_no_hidden_or_deleted_text_and_keeps_no_member_names(
    quiet_forum, django_capture_on_commit_callbacks
):
    """search listens to the services' changes and updates the index after commit (docs/search.md)."""
    from search import selectors as search
    from search.backends.base import Viewer
    from search.models import SearchDocument

    author, reader, moderator, thread = quiet_forum
    with django_capture_on_commit_callbacks(execute=True):
        hidden = services.post_reply(thread=thread, author=author, body="Geheimwort Quittenbaum im Beitrag")
        deleted = services.post_reply(thread=thread, author=author, body="Geheimwort Zitronenfalter im Beitrag")
    assert search.search_page(text="Quittenbaum", viewer=Viewer()).results.total

    with django_capture_on_commit_callbacks(execute=True):
        services.hide_post(post=hidden, moderator=moderator, reason="Test")
        services.delete_post(post=deleted, actor=author)
        accounts.delete_account(user=author)

    for word in ("Quittenbaum", "Zitronenfalter"):
        assert not search.search_page(text=word, viewer=Viewer()).results.total
    assert not SearchDocument.objects.filter(body__icontains="Zitronenfalter").exists()
    assert not SearchDocument.objects.filter(body__icontains="Geheimname").exists()
    assert not SearchDocument.objects.filter(title__icontains="Geheimname").exists()


@pytest.mark.django_db
def test_restating_a_post_costs_a_constant_number_of_queries(quiet_forum, django_assert_max_num_queries):
    author, reader, moderator, thread = quiet_forum
    post = services.post_reply(thread=thread, author=author, body="Erste Fassung")
    for _n in range(20):
        services.toggle_reaction(post=post, user=reader, kind="thumbsup")
    services.edit_post(post=post, editor=author, body="Zweite Fassung")
    services.edit_post(post=post, editor=author, body="Dritte Fassung")
    with django_assert_max_num_queries(20):
        changed = events.restate_posts([post.pk])
    assert changed == 0  # already current
    Post.objects.filter(pk=post.pk).update(body_html="<p>Vierte Fassung</p>")
    with django_assert_max_num_queries(20):
        assert events.restate_posts([post.pk]) == 3  # created and the two edits; reactions carry no html
    assert realtime.last_seq(events.thread_group(thread.pk)) > 20


@pytest.mark.django_db
def test_a_member_deleted_by_an_administrator_in_the_wagtail_admin_is_erased_the_same_way(quiet_forum, client):
    """Every way a user row is deleted runs the same erasure (accounts' pre_delete signal)."""
    from django.urls import reverse

    author, reader, moderator, thread = quiet_forum
    services.post_reply(thread=thread, author=author, body="@Ben Leser, schau mal.")
    author_email = author.email
    assert "Zora Geheimname" in as_text([e.envelope() for e in LiveEvent.objects.all()])
    admin = UserFactory(display_name="Admina", is_staff=True, is_superuser=True)
    client.force_login(admin)

    assert client.get(reverse("wagtailusers_users:delete", args=(author.pk,))).status_code == 200
    assert "Zora Geheimname" in as_text([e.envelope() for e in LiveEvent.objects.all()])  # GET only asks

    response = client.post(reverse("wagtailusers_users:delete", args=(author.pk,)))
    assert response.status_code == 302
    stored = as_text([e.envelope() for e in LiveEvent.objects.all()])
    assert "Zora Geheimname" not in stored and "gelöschtes Mitglied" in stored
    assert not [m for m in OutboxMail.objects.all() if author_email in m.to]


@pytest.mark.django_db(transaction=True)
def test_a_mention_of_a_deleted_member_in_another_post_loses_its_link(forum):
    """The text another member typed stays (their post); the link to the deleted profile goes, in the
    page's HTML and in the replay."""
    member = UserFactory(display_name="Zora Geheimname", is_public=True)
    profile_url = member.profile.get_absolute_url()
    mention = _mention_of(forum, "Zora Geheimname")
    assert profile_url in Post.objects.get(pk=mention.pk).body_html

    accounts.delete_account(user=member)

    assert profile_url not in Post.objects.get(pk=mention.pk).body_html
    log = as_text(replay(thread_path(forum.thread)))
    assert profile_url not in log and "@Zora Geheimname" in log
