from django.urls import path
from django.views.generic import TemplateView

app_name = "accounts"
urlpatterns = [
    path("profil/", TemplateView.as_view(template_name="base.html"), name="profile_edit"),
]
