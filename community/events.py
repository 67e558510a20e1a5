"""Live event types of the forum and their data (see docs/realtime.md).

Groups: ``thread.<id>``, ``category.<id>``, ``user.<id>``. Every event is
published by the service function that made the change, inside its
transaction, through ``hds_site.realtime.publish`` (sent after commit).
Each type is declared here with the keys and types of its ``data``;
tests/test_live_events_schema.py checks every event the tests send against
these declarations and docs/realtime.md against the list.
"""

from hds_site.realtime import CONTROL, EPHEMERAL, OPTIONAL, REPLAYABLE, declare, group_name


def thread_group(thread_id: int) -> str:
    return group_name("thread", thread_id)


def category_group(category_id: int) -> str:
    return group_name("category", category_id)


def user_group(user_id: int) -> str:
    return group_name("user", user_id)


# on thread.<id>; html is community/includes/post.html rendered for a neutral viewer.
# Post events carry the post (author_id is null for a deleted member, author_name empty for a
# deleted post or member).
_POST = {"thread_id": int, "post_id": int, "number": int, "author_id": (int, None), "author_name": str}

POST_CREATED = declare("post.created", REPLAYABLE, **_POST)
POST_EDITED = declare("post.edited", REPLAYABLE, **_POST)
POST_DELETED = declare("post.deleted", REPLAYABLE, **_POST)  # html: the "gelöscht" placeholder
POST_HIDDEN = declare("post.hidden", REPLAYABLE, **_POST)  # html: the placeholder, never the body
POST_UNHIDDEN = declare("post.unhidden", REPLAYABLE, **_POST)
POST_APPROVED = declare("post.approved", REPLAYABLE, **_POST)  # a pending post became visible; html carries it
REACTION_CHANGED = declare("reaction.changed", REPLAYABLE, **_POST, counts=dict)  # counts: {kind: n}, every kind
ANSWER_ACCEPTED = declare(  # post_id null when cleared; html: the accepted post (when cleared: the previous one)
    "answer.accepted", REPLAYABLE, thread_id=int, post_id=(int, None), number=(int, None), previous_post_id=(int, None)
)
THREAD_LOCKED = declare("thread.locked", REPLAYABLE, thread_id=int)
THREAD_UNLOCKED = declare("thread.unlocked", REPLAYABLE, thread_id=int)
THREAD_PINNED = declare("thread.pinned", REPLAYABLE, thread_id=int)
THREAD_UNPINNED = declare("thread.unpinned", REPLAYABLE, thread_id=int)
THREAD_MOVED = declare(
    "thread.moved", REPLAYABLE,
    thread_id=int, category_id=int, previous_category_id=int, category_name=str, category_url=str,
)

THREAD_EVENTS = (
    POST_CREATED, POST_EDITED, POST_DELETED, POST_HIDDEN, POST_UNHIDDEN, POST_APPROVED,
    REACTION_CHANGED, ANSWER_ACCEPTED,
    THREAD_LOCKED, THREAD_UNLOCKED, THREAD_PINNED, THREAD_UNPINNED, THREAD_MOVED,
)

# on category.<id>: a post became public in one of its threads (number), or a thread moved in (no number)
THREAD_ACTIVITY = declare(
    "thread.activity", REPLAYABLE, thread_id=int, post_id=(int, None), category_id=int, number=(int, OPTIONAL)
)

# on user.<id>; html of notification.created: the list item
NOTIFICATION_CREATED = declare(
    "notification.created", REPLAYABLE, id=int, kind=str, text=str, url=str, unread_count=int
)
NOTIFICATIONS_READ = declare("notifications.read", REPLAYABLE, unread_count=int)

# ephemeral, on thread.<id>: never stored
TYPING = declare("typing", EPHEMERAL, user_id=int, name=str)  # to everyone but the typist
VIEWERS = declare("viewers", EPHEMERAL, count=int)  # batched, at most one per second

# to one thread socket: the answer to a client's {"type": "reply"}
REPLY_SAVED = declare("reply.saved", CONTROL, post_id=int, number=int, status=str)


# --- restating the stored events (hds_site.realtime.restate_events) ---------------------------
#
# Called by the services in the transaction that changes the content, so the replay log never
# holds more than the pages show now (docs/realtime.md, "What the log keeps").

#: thread events whose html is a post partial: the post in data.post_id (answer.accepted without
#: post_id shows data.previous_post_id)
_POST_HTML_EVENTS = (
    POST_CREATED, POST_EDITED, POST_DELETED, POST_HIDDEN, POST_UNHIDDEN, POST_APPROVED, ANSWER_ACCEPTED,
)
_POST_DATA_EVENTS = _POST_HTML_EVENTS + (REACTION_CHANGED,)
_CHUNK = 500  # ids per query (SQLite's bound-parameter limit)


def _shown_post_id(event: dict) -> int | None:
    data = event["data"]
    if event["type"] == ANSWER_ACCEPTED and not data.get("post_id"):
        return data.get("previous_post_id")
    return data.get("post_id")


def restate_posts(post_ids) -> int:
    """Rewrite the stored thread events that carry these posts to what the posts show now.

    Hidden: the placeholder, no body. Deleted: the deleted placeholder, no author name.
    Edited: the current HTML. Author deleted or renamed: "gelöschtes Mitglied" or the new
    name, everywhere the partial or the data names them. Returns how many events changed.
    """
    from hds_site.accounts.selectors import display_name_of

    from .models import Post
    from .services import render_posts_html

    post_ids = {int(pk) for pk in post_ids if pk}
    if not post_ids:
        return 0
    posts = {post.pk: post for post in Post.objects.filter(pk__in=post_ids).select_related("author__profile")}
    rendered: dict[int, str] = {}

    def prepare(found: list[dict]) -> None:
        """Render, in one batch, the posts that the found events show (only those: old posts have no events)."""
        wanted = {_shown_post_id(event) for event in found if event["html"]} & set(posts) - set(rendered)
        if wanted:
            rendered.update(render_posts_html(wanted))

    def restate(event: dict):
        data = dict(event["data"])
        html = event["html"]
        post = posts.get(data.get("post_id"))
        if post is not None and "author_name" in data:
            data["author_id"] = post.author_id
            data["author_name"] = "" if post.is_deleted or not post.author_id else display_name_of(post.author)
        shown = _shown_post_id(event)
        if shown in rendered and html:
            html = rendered[shown]
        return data, html

    from hds_site import realtime

    threads = {post.thread_id for post in posts.values()}
    # one thread (a post changed): its group, through the (group, seq) index; many (a member): all threads
    where = {"group": thread_group(threads.pop())} if len(threads) == 1 else {"group_prefix": "thread."}
    ids = sorted(posts)
    changed = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        changed += realtime.restate_events(
            key="post_id", values=chunk, restate=restate, prepare=prepare, types=_POST_DATA_EVENTS, **where
        )
        changed += realtime.restate_events(
            key="previous_post_id", values=chunk, restate=restate, prepare=prepare, types=(ANSWER_ACCEPTED,), **where
        )
    return changed


def restate_notifications(notification_ids) -> int:
    """Rewrite stored ``notification.created`` events to the text and item the list shows now."""
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.utils import translation

    from hds_site import realtime

    from .models import Notification
    from .services import notification_text

    ids = {int(pk) for pk in notification_ids if pk}
    if not ids:
        return 0
    notifications = {
        n.pk: n for n in Notification.objects.filter(pk__in=ids).select_related("actor__profile", "thread")
    }

    def restate(event: dict):
        notification = notifications.get(event["data"].get("id"))
        if notification is None:
            return None
        with translation.override(settings.LANGUAGE_CODE):
            text = notification_text(notification)
            html = render_to_string(
                "community/includes/notification.html", {"notification": notification, "text": text}
            )
        return {**event["data"], "text": text}, html

    ordered = sorted(ids)
    return sum(
        realtime.restate_events(
            key="id", values=ordered[i:i + _CHUNK], restate=restate, group_prefix="user.", types=(NOTIFICATION_CREATED,)
        )
        for i in range(0, len(ordered), _CHUNK)
    )


def member_post_ids(user_id: int) -> set[int]:
    """Posts whose stored events name ``user_id``: their own, and replies to them ("Antwort auf … von …").

    Collected before an account deletion removes the author (afterwards nothing links them).
    """
    from django.db.models import Q

    from .models import Post

    return set(
        Post.objects.filter(Q(author_id=user_id) | Q(reply_to__author_id=user_id)).values_list("pk", flat=True)
    )


def restate_member(*, user_id: int, post_ids=None, notification_ids=None) -> int:
    """A member was renamed (or made the profile private or public) or deleted the account:
    rewrite every stored event that shows them. ``post_ids``/``notification_ids`` are given when
    the links to the member are already gone (account deletion)."""
    from .models import Notification

    if post_ids is None:
        post_ids = member_post_ids(user_id)
    if notification_ids is None:
        notification_ids = Notification.objects.filter(actor_id=user_id).values_list("pk", flat=True)
    return restate_posts(post_ids) + restate_notifications(notification_ids)
