"""WebSocket routes of the forum (collected by hds_site/routing.py)."""

from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/community/threads/<int:thread_id>/", consumers.ThreadConsumer.as_asgi()),
    path("ws/community/categories/<int:category_id>/", consumers.CategoryConsumer.as_asgi()),
    path("ws/notifications/", consumers.NotificationConsumer.as_asgi()),
]
