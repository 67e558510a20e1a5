from django.urls import path

from . import views

urlpatterns = [
    path("beratung-finden/", views.finder, name="finder"),
    path("ratgeber-uebersicht/", views.article_index_redirect, name="article_index_redirect"),
]
