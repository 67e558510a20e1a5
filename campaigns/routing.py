from django.urls import path

from .consumers import CampaignConsumer

websocket_urlpatterns = [
    path("ws/campaigns/<slug:slug>/", CampaignConsumer.as_asgi()),
]
