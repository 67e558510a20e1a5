"""Forum pages over HTTP: access rules, forms without JavaScript, the thread page contract."""

import re

import pytest
from django.urls import reverse

from community import services
from community.models import Membership, Post, Reaction, Subscription
from hds_site import realtime
from tests.factories import CategoryFactory, ForumMemberFactory, InterestGroupFactory, forum_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def members_only(db):
    group = InterestGroupFactory(name="Pflege & Betreuung", slug="pflege")
    category = CategoryFactory(name="Intern", slug="intern", group=group, members_only=True)
    member = ForumMemberFactory()
    Membership.objects.create(user=member, group=group)
    thread = forum_thread(author=member, category=category, title="Internes Thema der Gruppe")
    return group, category, member, thread


def test_members_only_category_404_for_anonymous_403_for_outsiders(client, members_only):
    group, category, member, thread = members_only
    for url in (category.get_absolute_url(), thread.get_absolute_url(),
                reverse("community:post_permalink", args=[thread.posts.first().pk])):
        assert client.get(url).status_code == 404
    client.force_login(ForumMemberFactory())
    assert client.get(category.get_absolute_url()).status_code == 403
    assert client.get(thread.get_absolute_url()).status_code == 403
    assert client.post(reverse("community:thread_reply", args=[thread.pk]), {"body": "rein"}).status_code == 403
    client.force_login(member)
    assert client.get(thread.get_absolute_url()).status_code == 200


def test_members_only_threads_do_not_leak_into_lists(client, members_only):
    group, category, member, thread = members_only
    assert "Internes Thema" not in client.get(reverse("community:index")).content.decode()
    assert "Internes Thema" not in client.get(group.get_absolute_url()).content.decode()
    client.force_login(member)
    assert "Internes Thema" in client.get(reverse("community:index")).content.decode()
    assert "Internes Thema" in client.get(group.get_absolute_url()).content.decode()


def test_anonymous_reads_public_thread_but_cannot_post(client):
    thread = forum_thread(title="Öffentliche Frage zur KSK")
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Öffentliche Frage zur KSK" in html
    assert 'id="reply-form"' not in html
    response = client.post(reverse("community:thread_reply", args=[thread.pk]), {"body": "anonym"})
    assert response.status_code == 302 and "/konto/" in response["Location"]
    assert thread.posts.count() == 1


def test_thread_page_contract_for_live_updates(client):
    thread = forum_thread()
    services.post_reply(thread=thread, author=ForumMemberFactory(), body="Eine Antwort", enforce_limits=False)
    seq = realtime.last_seq(f"thread.{thread.pk}")
    member = ForumMemberFactory()
    client.force_login(member)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert (f'<div id="thread-live" data-thread-id="{thread.pk}" data-ws-path="/ws/community/threads/{thread.pk}/" '
            f'data-last-seq="{seq}" data-can-post="true"') in html
    assert '<ol id="post-list"' in html
    assert re.search(r'<li id="post-1" class="post[^"]*" data-post-id="\d+"', html)
    assert '<p id="typing-indicator"' in html and 'aria-live="polite"' in html
    assert '<span id="viewer-count">' in html
    assert "community/live.js" in html


def test_category_page_contract(client):
    category = CategoryFactory()
    forum_thread(category=category)
    seq = realtime.last_seq(f"category.{category.pk}")
    html = client.get(category.get_absolute_url()).content.decode()
    assert (f'<div id="category-live" data-category-id="{category.pk}" '
            f'data-ws-path="/ws/community/categories/{category.pk}/" data-last-seq="{seq}">') in html
    assert '<p id="new-posts-notice" role="status"' in html


def test_start_thread_reply_quote_edit_delete_without_js(client, no_premoderation):
    category = CategoryFactory()
    author = ForumMemberFactory(display_name="Clara")
    client.force_login(author)
    url = reverse("community:thread_create", args=[category.slug])
    response = client.post(url, {"title": "x", "kind": "question", "body": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and 'id="id_title-error"' in html and 'id="id_body-error"' in html
    response = client.post(url, {"title": "Rentenversicherungspflicht als Dozentin?", "kind": "question",
                                 "body": "Bin ich **rentenversicherungspflichtig**?"})
    assert response.status_code == 302
    thread = category.threads.get()
    assert thread.kind == "question"
    first = thread.posts.get(number=1)
    other = ForumMemberFactory()
    client.force_login(other)
    quote = client.get(reverse("community:thread_reply", args=[thread.pk]) + f"?quote={first.pk}")
    assert "&gt; Bin ich" in quote.content.decode()
    response = client.post(reverse("community:thread_reply", args=[thread.pk]),
                           {"body": "Ja, meistens schon.", "reply_to": first.pk})
    reply = thread.posts.get(number=2)
    assert response["Location"].endswith("?page=1#post-2") and reply.reply_to_id == first.pk
    # edit and delete own post
    client.post(reverse("community:post_edit", args=[reply.pk]), {"body": "Ja, in der Regel schon."})
    reply.refresh_from_db()
    assert reply.edited_at and reply.revisions.count() == 1
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "bearbeitet" in html
    assert client.post(reverse("community:post_edit", args=[first.pk]), {"body": "fremd"}).status_code == 403
    client.post(reverse("community:post_delete", args=[reply.pk]))
    reply.refresh_from_db()
    assert reply.is_deleted
    # react, accept answer (by the author), watch/mute
    client.post(reverse("community:post_react", args=[first.pk]), {"kind": "heart"})
    assert Reaction.objects.filter(post=first, user=other, kind="heart").exists()
    client.post(reverse("community:thread_subscription", args=[thread.pk]), {"level": "muted"})
    assert Subscription.objects.get(thread=thread, user=other).level == "muted"


def test_permalink_redirects_to_the_right_page(client, no_premoderation):
    thread = forum_thread()
    author = ForumMemberFactory()
    post = None
    for i in range(25):
        post = services.post_reply(thread=thread, author=author, body=f"Antwort {i}", enforce_limits=False)
    assert post.number == 26
    response = client.get(reverse("community:post_permalink", args=[post.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"{thread.get_absolute_url()}?page=2#post-26"
    page2 = client.get(thread.get_absolute_url() + "?page=2").content.decode()
    assert 'id="post-26"' in page2 and 'id="post-20"' not in page2


def test_unread_jump(client, no_premoderation):
    thread = forum_thread()
    reader = ForumMemberFactory()
    client.force_login(reader)
    client.get(thread.get_absolute_url())  # reads post 1
    services.post_reply(thread=thread, author=ForumMemberFactory(), body="neu!", enforce_limits=False)
    response = client.get(reverse("community:thread_unread", args=[thread.pk]))
    assert response["Location"].endswith("?page=1#post-2")


def test_moderation_queue_is_for_moderators_only(client, moderator):
    thread = forum_thread()
    from tests.factories import UserFactory

    pending = services.post_reply(thread=thread, author=UserFactory(), body="Bitte freischalten")
    assert pending.status == Post.Status.PENDING
    client.force_login(ForumMemberFactory())
    assert client.get(reverse("community:moderation")).status_code == 403
    client.force_login(moderator)
    html = client.get(reverse("community:moderation")).content.decode()
    assert "Bitte freischalten" in html
    client.post(reverse("community:post_moderate", args=[pending.pk]), {"op": "approve"})
    pending.refresh_from_db()
    assert pending.status == "approved"
    client.post(reverse("community:thread_moderate", args=[thread.pk]), {"op": "lock", "reason": "Ruhe"})
    thread.refresh_from_db()
    assert thread.is_locked
    assert "Ruhe" in client.get(reverse("community:moderation")).content.decode()  # the log is visible


def test_suspended_member_gets_no_reply_form(client, moderator):
    thread = forum_thread()
    member = ForumMemberFactory()
    services.suspend_member(user=member, moderator=moderator, reason="Spam", days=2)
    client.force_login(member)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert 'id="reply-form"' not in html and 'data-can-post="false"' in html
    assert client.post(reverse("community:thread_reply", args=[thread.pk]), {"body": "Trotzdem"}).status_code == 403


def test_group_join_open_and_request(client):
    open_group = InterestGroupFactory(join_policy="open")
    closed = InterestGroupFactory(join_policy="request")
    member = ForumMemberFactory()
    client.force_login(member)
    client.post(reverse("community:group_join", args=[open_group.slug]))
    client.post(reverse("community:group_join", args=[closed.slug]))
    assert Membership.objects.get(user=member, group=open_group).status == "active"
    assert Membership.objects.get(user=member, group=closed).status == "pending"
    html = client.get(open_group.get_absolute_url()).content.decode()
    assert "1 Mitglied" in html


def test_notifications_page_and_mark_read(client, no_premoderation):
    thread = forum_thread()
    services.post_reply(thread=thread, author=ForumMemberFactory(display_name="Dora"), body="Antwort", enforce_limits=False)
    client.force_login(thread.author)
    html = client.get(reverse("community:notifications")).content.decode()
    assert "Dora hat in" in html and "1 ungelesene Benachrichtigung" in html
    client.post(reverse("community:notifications"))
    html = client.get(reverse("community:notifications")).content.decode()
    assert "0 ungelesene Benachrichtigungen" in html


def test_forum_pages_render(client, moderator):
    thread = forum_thread()
    client.force_login(moderator)
    for url in (reverse("community:index"), reverse("community:group_list"), thread.category.get_absolute_url(),
                thread.get_absolute_url(), reverse("community:thread_create", args=[thread.category.slug]),
                reverse("community:post_report", args=[thread.posts.first().pk]),
                reverse("community:member_suspend", args=[thread.author_id]),
                reverse("community:moderation"), reverse("community:notifications")):
        assert client.get(url).status_code == 200, url
