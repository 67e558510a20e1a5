"""Load the benchmark data into django-machina (run with the machina virtualenv's Python).

    MACHINA_DATABASE_URL=… bench/.machina-venv/bin/python -m bench.machina_project.load POSTS THREADS

Same shape as ours (bench/thread_page.py): one topic with POSTS posts, one
forum with THREADS topics of one post each, bodies from bench/data.py,
rendered with machina's own renderer. Prints the URLs as JSON.
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.machina_project.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench import data  # noqa: E402


def main(posts: int, threads: int) -> None:
    call_command("migrate", verbosity=0, interactive=False)
    from django.utils.module_loading import import_string
    from machina.apps.forum.models import Forum
    from machina.apps.forum_conversation.models import Post, Topic
    from machina.apps.forum_permission.models import ForumPermission, UserForumPermission
    from machina.conf import settings as machina_settings
    from machina.core.loading import get_class  # noqa: F401

    lang, kwargs = machina_settings.MARKUP_LANGUAGE
    render = import_string(lang)

    User = get_user_model()
    authors = [User.objects.create_user(f"author{i}", f"author{i}@example.org", "x" * 12) for i in range(20)]
    for codename in ("can_see_forum", "can_read_forum"):
        UserForumPermission.objects.get_or_create(
            permission=ForumPermission.objects.get(codename=codename), anonymous_user=True, forum=None,
            defaults={"has_perm": True},
        )

    rendered: dict[int, str] = {}

    def post_obj(topic, i, number):
        text = data.body(i)
        if i not in rendered:
            rendered[i] = render(text, **kwargs)
        return Post(topic=topic, poster=authors[number % len(authors)], subject=topic.subject,
                    content=text, _content_rendered=rendered[i], approved=True)

    with transaction.atomic():
        forum = Forum.objects.create(name="Langes Thema", type=Forum.FORUM_POST)
        topic = Topic.objects.create(forum=forum, poster=authors[0], subject=data.title(0),
                                     type=Topic.TOPIC_POST, status=Topic.TOPIC_UNLOCKED, approved=True)
        Post.objects.bulk_create([post_obj(topic, n, n) for n in range(1, posts + 1)], batch_size=1000)
        # distinct creation times in posting order (machina orders by them)
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE forum_conversation_post SET created = now() - interval '1 day' + id * interval '1 second' "
                "WHERE topic_id = %s", [topic.pk],
            )
        topic.update_trackers()

        list_forum = Forum.objects.create(name="Viele Themen", type=Forum.FORUM_POST)
        topics = Topic.objects.bulk_create([
            Topic(forum=list_forum, poster=authors[i % len(authors)], subject=data.title(i), slug=f"thema-{i}",
                  type=Topic.TOPIC_POST, status=Topic.TOPIC_UNLOCKED, approved=True, posts_count=1)
            for i in range(1, threads + 1)
        ], batch_size=1000)
        Post.objects.bulk_create([post_obj(t, 100_000 + i, i) for i, t in enumerate(topics, 1)], batch_size=1000)
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE forum_conversation_post SET created = now() - interval '1 day' + id * interval '1 second' "
                "WHERE topic_id IN (SELECT id FROM forum_conversation_topic WHERE forum_id = %s)", [list_forum.pk],
            )
            cur.execute(
                "UPDATE forum_conversation_topic t SET first_post_id = p.id, last_post_id = p.id, "
                "last_post_on = p.created FROM forum_conversation_post p WHERE p.topic_id = t.id AND t.forum_id = %s",
                [list_forum.pk],
            )
        list_forum.refresh_from_db()
        list_forum.update_trackers()
    topic.refresh_from_db()
    print(json.dumps({
        "topic": reverse("forum_conversation:topic", kwargs={
            "forum_slug": forum.slug, "forum_pk": forum.pk, "slug": topic.slug, "pk": topic.pk}),
        "forum": reverse("forum:forum", kwargs={"slug": list_forum.slug, "pk": list_forum.pk}),
        "posts": topic.posts.count(),
        "threads": list_forum.topics.count(),
    }))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
