"""Forum email leaves through django_tasks, after commit: immediate mode, digest, one-click unsubscribe."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from community import services, tasks
from community.models import Notification, Subscription
from tests.factories import ForumMemberFactory, forum_thread

# pages render Wagtail base data (Locale, root page): after a flush the content app's
# post_migrate handler (ensure_wagtail_base) brings it back
pytestmark = pytest.mark.django_db(transaction=True)


def _unsubscribe_path(message) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<http://testserver/forum/abmelden/") and header.endswith(">")
    return header[len("<http://testserver"):-1]


def test_immediate_mode_sends_reply_and_mention_mail_after_commit(no_premoderation):
    thread = forum_thread()
    watcher = thread.author
    services.set_email_mode(user=watcher, mode="immediate")
    mentioned = ForumMemberFactory(display_name="Frieda")
    services.set_email_mode(user=mentioned, mode="immediate")
    mail.outbox.clear()
    services.post_reply(thread=thread, author=ForumMemberFactory(display_name="Gustav"),
                        body="Hallo @Frieda, siehe oben.", enforce_limits=False)
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([watcher.email, mentioned.email])
    message = next(m for m in mail.outbox if m.to == [mentioned.email])
    assert "Gustav hat Sie in" in message.subject
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/forum/abmelden/" in message.body
    assert Notification.objects.filter(recipient=mentioned, emailed_at__isnull=False).count() == 1


def test_mail_is_not_sent_when_the_transaction_rolls_back(no_premoderation):
    from django.db import transaction

    thread = forum_thread()
    services.set_email_mode(user=thread.author, mode="immediate")
    mail.outbox.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.post_reply(thread=thread, author=ForumMemberFactory(), body="verworfen", enforce_limits=False)
        assert mail.outbox == []  # nothing before commit
        raise RuntimeError("rollback")
    assert mail.outbox == []


def test_digest_is_the_default_and_sent_by_the_command(no_premoderation):
    thread = forum_thread(title="Digest-Thema")
    watcher = thread.author  # default mode: digest
    mail.outbox.clear()
    services.post_reply(thread=thread, author=ForumMemberFactory(display_name="Hanna"), body="eins", enforce_limits=False)
    services.post_reply(thread=thread, author=ForumMemberFactory(display_name="Ida"), body="zwei", enforce_limits=False)
    assert mail.outbox == []  # nobody is flooded
    call_command("send_forum_digests")
    # the thread author gets both replies; Hanna (watching since she posted) gets Ida's
    assert sorted(m.to[0] for m in mail.outbox) == sorted([watcher.email, thread.posts.get(number=2).author.email])
    digest = next(m for m in mail.outbox if m.to == [watcher.email])
    assert "Hanna hat in „Digest-Thema“ geantwortet" in digest.body and "Ida" in digest.body
    assert "List-Unsubscribe" in digest.extra_headers
    mail.outbox.clear()
    call_command("send_forum_digests")
    assert mail.outbox == []  # each notification goes out once


def test_one_click_unsubscribe_from_thread_and_from_digest(client, no_premoderation):
    thread = forum_thread()
    member = thread.author
    services.set_email_mode(user=member, mode="immediate")
    mail.outbox.clear()
    services.post_reply(thread=thread, author=ForumMemberFactory(), body="Antwort", enforce_limits=False)
    path = _unsubscribe_path(mail.outbox[0])
    assert client.get(path).status_code == 200  # confirmation page, no change on GET
    assert Subscription.objects.get(thread=thread, user=member).level == "watching"
    response = client.post(path, {"List-Unsubscribe": "One-Click"})  # RFC 8058, no session, no CSRF token
    assert response.status_code == 200
    assert Subscription.objects.get(thread=thread, user=member).level == "muted"
    # digest link switches forum email off
    token = tasks.unsubscribe_token(user_id=member.pk, thread_id=None)
    client.post(reverse("community:unsubscribe", args=[token]))
    assert services.email_mode(member) == "none"
    # a tampered token is rejected
    assert client.post(reverse("community:unsubscribe", args=[token[:-2] + "xx"])).status_code == 400
