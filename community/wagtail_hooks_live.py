"""The live notification badge in the site header (hook ``hds_header_items``).

Imported by CommunityConfig.ready(). Renders, for signed-in members only, a
link to the notification list with the unread count; community/live.js keeps
the count current over ``/ws/notifications/``. The badge carries the last
sequence number of the member's ``user.<id>`` group so a reconnecting socket
replays only what happened after the page was rendered.
"""

from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from wagtail import hooks

from hds_site import realtime

from .events import user_group


@hooks.register("hds_header_items")
def notification_badge(context):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_authenticated:
        return ""
    from .selectors import unread_notification_count

    count = unread_notification_count(user)
    return format_html(
        '<li class="notification-item"><a href="{url}" class="notification-link">{label} '
        '<span id="notification-badge" class="badge" data-ws-path="/ws/notifications/" data-last-seq="{seq}">{count}</span>'
        '<span class="visually-hidden"> {hidden}</span></a>'
        '<script src="{script}" defer></script></li>',
        url=reverse("community:notifications"),
        label=gettext("Benachrichtigungen"),
        seq=realtime.last_seq(user_group(user.pk)),
        count=count,
        hidden=gettext("ungelesene Benachrichtigungen"),
        script=static("community/live.js"),
    )
