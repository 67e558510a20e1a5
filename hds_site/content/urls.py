from django.urls import path
from django.views.generic import TemplateView, RedirectView

urlpatterns = [
    path("beratung-finden/", TemplateView.as_view(template_name="base.html"), name="finder"),
    path("ratgeber-uebersicht/", RedirectView.as_view(url="/"), name="article_index_redirect"),
]
