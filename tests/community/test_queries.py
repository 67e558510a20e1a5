"""A thread page and a thread list cost a constant number of queries, whatever their size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import services
from tests.factories import CategoryFactory, ForumMemberFactory, forum_thread

pytestmark = pytest.mark.django_db


def _thread_with(n_posts: int, authors: list):
    thread = forum_thread(author=authors[0], kind="question")
    posts = []
    for i in range(n_posts - 1):
        author = authors[i % len(authors)]
        posts.append(services.post_reply(thread=thread, author=author, body=f"Antwort {i} @{authors[0].profile.display_name}",
                                         reply_to=posts[-1] if posts else None, enforce_limits=False))
        services.toggle_reaction(post=posts[-1], user=authors[(i + 1) % len(authors)], kind="heart")
    services.accept_answer(post=posts[0], actor=authors[0])
    return thread


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_thread_page_queries_do_not_grow_with_posts(client, no_premoderation, settings):
    from community import selectors

    settings.HDS_FORUM_RATE_LIMITS = {"per_minute": 0, "duplicate_window": None}
    authors = [ForumMemberFactory(display_name=f"Autorin {i}") for i in range(6)]
    small = _thread_with(3, authors)
    big = _thread_with(100, authors)
    viewer = ForumMemberFactory()
    selectors_page_size = selectors.POSTS_PER_PAGE
    selectors.POSTS_PER_PAGE = 100  # the whole thread on one page
    try:
        client.force_login(viewer)
        # warm up (first visits create read states)
        client.get(small.get_absolute_url())
        client.get(big.get_absolute_url())
        small_count = _count(client, small.get_absolute_url())
        big_count = _count(client, big.get_absolute_url())
        html = client.get(big.get_absolute_url()).content.decode()
        assert html.count('class="post') >= 100
        anon_small = _count(client.__class__(), small.get_absolute_url())
        anon_big = _count(client.__class__(), big.get_absolute_url())
    finally:
        selectors.POSTS_PER_PAGE = selectors_page_size
    assert big_count == small_count, (small_count, big_count)
    assert anon_big == anon_small
    assert big_count <= 25


def test_thread_list_queries_do_not_grow_with_threads(client, no_premoderation):
    category = CategoryFactory()
    authors = [ForumMemberFactory() for _ in range(5)]
    for i in range(3):
        forum_thread(author=authors[i % 5], category=category, title=f"Thema Nummer {i}")
    viewer = ForumMemberFactory()
    client.force_login(viewer)
    few = _count(client, category.get_absolute_url())
    few_index = _count(client, "/forum/")
    for i in range(3, 50):
        thread = forum_thread(author=authors[i % 5], category=category, title=f"Thema Nummer {i}")
        services.post_reply(thread=thread, author=authors[(i + 1) % 5], body="Antwort", enforce_limits=False)
    many = _count(client, category.get_absolute_url())
    many_index = _count(client, "/forum/")
    html = client.get(category.get_absolute_url()).content.decode()
    assert html.count('class="thread-row') == 50
    assert many == few, (few, many)
    assert many_index == few_index


def test_list_queries_use_an_index(no_premoderation, postgres):
    """On PostgreSQL the category list query can use community_thread_cat_list."""
    category = CategoryFactory()
    forum_thread(category=category)
    from community import selectors
    from community.models import Thread

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        qs = selectors.thread_list(None, Thread.objects.filter(category=category))[:50]
        plan = qs.explain()
        cursor.execute("SET enable_seqscan = on")
    assert "community_thread_cat_list" in plan, plan
