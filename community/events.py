"""Live event types of the forum (see docs/realtime.md).

Groups: ``thread.<id>``, ``category.<id>``, ``user.<id>``. Every event is
published by the service function that made the change, inside its
transaction, through ``hds_site.realtime.publish`` (sent after commit).
"""


def thread_group(thread_id: int) -> str:
    return f"thread.{thread_id}"


def category_group(category_id: int) -> str:
    return f"category.{category_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


# on thread.<id>; data always has thread_id, and post_id + number for post events;
# html is community/includes/post.html rendered for a neutral viewer
POST_CREATED = "post.created"
POST_EDITED = "post.edited"
POST_DELETED = "post.deleted"  # html: the "gelöscht" placeholder
POST_HIDDEN = "post.hidden"  # html: the placeholder, never the body
POST_UNHIDDEN = "post.unhidden"
POST_APPROVED = "post.approved"  # a pending post became visible; html carries it
REACTION_CHANGED = "reaction.changed"  # data: post_id, counts {kind: n}
ANSWER_ACCEPTED = "answer.accepted"  # data: post_id (None when cleared), previous_post_id
THREAD_LOCKED = "thread.locked"
THREAD_UNLOCKED = "thread.unlocked"
THREAD_PINNED = "thread.pinned"
THREAD_UNPINNED = "thread.unpinned"
THREAD_MOVED = "thread.moved"  # data: category_id, previous_category_id

THREAD_EVENTS = (
    POST_CREATED, POST_EDITED, POST_DELETED, POST_HIDDEN, POST_UNHIDDEN, POST_APPROVED,
    REACTION_CHANGED, ANSWER_ACCEPTED,
    THREAD_LOCKED, THREAD_UNLOCKED, THREAD_PINNED, THREAD_UNPINNED, THREAD_MOVED,
)

# on category.<id>
THREAD_ACTIVITY = "thread.activity"  # data: thread_id, post_id, category_id

# on user.<id>
NOTIFICATION_CREATED = "notification.created"  # data: id, kind, text, url, unread_count; html: list item
NOTIFICATIONS_READ = "notifications.read"  # data: unread_count
