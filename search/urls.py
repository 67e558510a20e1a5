from django.urls import path

from search import views

urlpatterns = [
    path("", views.search, name="search"),
    path("vorschlaege/", views.suggest, name="search_suggest"),
]
