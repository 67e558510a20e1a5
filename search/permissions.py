"""Who sees what in search: a ``Viewer`` from the requesting user.

Mirrors the rules of the apps that own the content (community.permissions):

=================  ==========================================================
role               sees
=================  ==========================================================
anonymous          ``public``
member             ``public``, ``members``, ``group:<id>`` of each interest
                   group they are an active member of
editor             as member, plus ``staff``; staff users (``is_staff``) also
                   see every members-only group, like in the forum
moderator          everything, including hidden and not yet approved posts:
                   moderators can open those in the forum, so they may find
                   them (the result says so)
=================  ==========================================================
"""

from __future__ import annotations

from search.backends.base import MEMBERS, PUBLIC, STAFF, Viewer, group_audience


def viewer_for(user) -> Viewer:
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return Viewer()
    from community import permissions as forum

    moderator = forum.is_moderator(user)
    audiences = {PUBLIC, MEMBERS}
    audiences.update(group_audience(gid) for gid in forum.active_group_ids(user))
    editor = bool(user.is_staff or user.has_perm("wagtailadmin.access_admin"))
    if editor:
        audiences.add(STAFF)
    label = "moderator" if moderator else "editor" if editor else "member"
    return Viewer(
        audiences=frozenset(audiences),
        all_audiences=bool(moderator or user.is_staff),
        moderation=moderator,
        label=label,
    )
