from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("profil/", views.profile_edit, name="profile_edit"),
    path("mitglieder/<str:display_name>/", views.member_profile, name="member_profile"),
    path("daten/", views.my_data, name="my_data"),
    path("daten/export.json", views.data_export, name="data_export"),
    path("loeschen/", views.account_delete, name="account_delete"),
    path("geloescht/", views.account_deleted, name="account_deleted"),
]
