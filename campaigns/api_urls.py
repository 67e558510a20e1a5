"""Public, language-neutral JSON API (mounted at the site root)."""

from django.urls import path

from . import views

urlpatterns = [
    path("api/v1/campaigns/", views.api_list, name="campaigns_api_list"),
    path("api/v1/campaigns/<slug:slug>/", views.api_detail, name="campaigns_api_detail"),
]
