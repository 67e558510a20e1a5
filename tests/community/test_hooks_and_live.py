"""Hooks for lower layers (GDPR, deletion, profile, topic pages), publishing after commit, demo seed."""

import io

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import RequestFactory
from django.utils.html import escape
from wagtail import hooks

from community import services
from community.models import Post, Reaction, Subscription
from tests.factories import ForumMemberFactory, forum_thread


@pytest.mark.django_db
def test_gdpr_export_contains_posts_reactions_subscriptions(no_premoderation):
    member = ForumMemberFactory()
    thread = forum_thread(author=member, title="Mein Thema zur Rente")
    other = forum_thread(title="Fremdes Thema")
    services.toggle_reaction(post=other.posts.first(), user=member, kind="idea")
    services.set_subscription(thread=other, user=member, level="muted")
    from hds_site.accounts.services import export_user_data

    data = export_user_data(user=member)
    assert data["forum_posts"][0]["thread"] == "Mein Thema zur Rente"
    assert data["forum_reactions"][0]["kind"] == "idea"
    levels = {s["thread"]: s["level"] for s in data["forum_subscriptions"]}
    assert levels == {"Mein Thema zur Rente": "watching", "Fremdes Thema": "muted"}
    assert thread.pk in [p["thread_id"] for p in data["forum_posts"]]


@pytest.mark.django_db
def test_account_deletion_keeps_posts_as_deleted_member(client, no_premoderation):
    member = ForumMemberFactory(display_name="Bald Weg")
    thread = forum_thread(author=member)
    reply = services.post_reply(thread=thread, author=member, body="Bleibt stehen", enforce_limits=False)
    services.toggle_reaction(post=thread.posts.first(), user=member, kind="heart")
    from hds_site.accounts.services import delete_account

    delete_account(user=member)
    reply.refresh_from_db()
    assert reply.author is None and Post.objects.filter(pk=reply.pk).exists()
    assert not Reaction.objects.exists() and not Subscription.objects.filter(user_id=member.pk).exists()
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "gelöschtes Mitglied" in html and "Bleibt stehen" in html and "Bald Weg" not in html


@pytest.mark.django_db
def test_profile_section_lists_public_posts_only(no_premoderation):
    from community.models import Membership
    from tests.factories import CategoryFactory, InterestGroupFactory

    member = ForumMemberFactory()
    forum_thread(author=member, title="Öffentlicher Beitrag", body="öffentlich")
    group = InterestGroupFactory()
    Membership.objects.create(user=member, group=group)
    forum_thread(author=member, title="Geheimer Beitrag", body="intern",
                 category=CategoryFactory(group=group, members_only=True))
    html = "".join(fn({"request": RequestFactory().get("/")}, member) for fn in hooks.get_hooks("hds_profile_sections"))
    assert "Öffentlicher Beitrag" in html and "Geheimer Beitrag" not in html


@pytest.mark.django_db
def test_topic_section_lists_recent_threads_of_linked_categories(no_premoderation):
    from wagtail.models import Page

    from hds_site.content.models import TopicPage
    from tests.factories import CategoryFactory

    root = Page.get_first_root_node()
    topic = root.add_child(instance=TopicPage(title="Soziale Absicherung", slug="soziale-absicherung-test"))
    category = CategoryFactory(topic=topic)
    forum_thread(category=category, title="Krankenkasse für Selbstständige")
    forum_thread(title="Anderes Thema ohne Bezug")
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    html = "".join(fn({"request": request}, topic) for fn in hooks.get_hooks("hds_topic_sections"))
    assert escape("Krankenkasse für Selbstständige") in html or "Krankenkasse für Selbstständige" in html
    assert "Anderes Thema" not in html


@pytest.mark.django_db(transaction=True)
def test_post_reply_publishes_to_the_thread_group_after_commit(no_premoderation):
    thread = forum_thread()
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"thread.{thread.pk}", channel)

    from django.db import transaction

    with transaction.atomic():
        post = services.post_reply(thread=thread, author=ForumMemberFactory(), body="Live!", enforce_limits=False)

    async def receive():
        import asyncio

        return await asyncio.wait_for(layer.receive(channel), timeout=2)

    message = async_to_sync(receive)()
    assert message["type"] == "live_event"
    envelope = message["event"]
    assert envelope["type"] == "post.created"
    assert envelope["data"]["post_id"] == post.pk and envelope["data"]["number"] == 2
    assert 'id="post-2"' in envelope["html"] and "Live!" in envelope["html"]
    assert isinstance(envelope["seq"], int)


@pytest.mark.django_db
def test_demo_seed_is_idempotent(settings):
    from community import demo
    from community.models import Category, InterestGroup, Thread
    from hds_site.accounts import demo as accounts_demo

    accounts_demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    counts = (Category.objects.count(), InterestGroup.objects.count(), Thread.objects.count(), Post.objects.count())
    demo.seed(io.StringIO())
    assert (Category.objects.count(), InterestGroup.objects.count(), Thread.objects.count(),
            Post.objects.count()) == counts
    assert InterestGroup.objects.filter(name="Plattformarbeit").exists()
    assert Category.objects.filter(members_only=True).exists()
    assert Thread.objects.filter(kind="question", accepted_post__isnull=False).exists()
    assert Post.objects.filter(status="pending").count() == 1
