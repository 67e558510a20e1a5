"""URLs of the bench server: the product's URLs plus the baselines (bench only)."""

import os
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST

from community import selectors as community_selectors
from hds_site import realtime
from hds_site.urls import urlpatterns as product_urlpatterns

# the issue compares pages of 100 posts (the product shows 20); the same knob the query-count tests turn
community_selectors.POSTS_PER_PAGE = int(os.environ.get("HDS_BENCH_POSTS_PER_PAGE", "100"))

RELAY_GROUP = "bench.relay"

# Commit timestamp for the fan-out latency (bench only): hds_site.realtime sends every envelope from an
# on_commit hook, through realtime.group_message right before the group_send; the bench server stamps the
# wall-clock time of that send into the envelope.
_product_message = realtime.group_message


def _stamped_message(event: realtime.Event, *, sender: str | None = None) -> dict:
    message = _product_message(event, sender=sender)
    message["event"]["bench_sent_at"] = time.time()
    return message


realtime.group_message = _stamped_message


@require_POST
def bare_insert(request):
    """Baseline of the signing burst: one INSERT, nothing else (same middleware, same CSRF check)."""
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO bench_bare_signature (email, name, created_at) VALUES (%s, %s, now())",
            [request.POST.get("email", ""), request.POST.get("name", "")],
        )
    return HttpResponse("ok", content_type="text/plain")


@require_POST
def relay_send(request):
    """Baseline of the fan-out: one group_send to the bare relay consumers."""
    payload = {"type": "relay.message", "sent": time.time(), "n": request.POST.get("n", "")}
    async_to_sync(get_channel_layer().group_send)(RELAY_GROUP, payload)
    return JsonResponse({"ok": True})


urlpatterns = [
    path("__bench__/insert/", bare_insert),
    path("__bench__/relay/", relay_send),
]

urlpatterns += product_urlpatterns  # i18n_patterns cannot be include()d: the list itself
