from django.urls import path

from . import views

app_name = "campaigns"
urlpatterns = [
    # the overview itself is the Wagtail CampaignIndexPage; this name keeps working for menus
    path("", views.index_redirect, name="index"),
    path("vorschlagen/", views.propose, name="propose"),
    path("unterschreiben/<int:page_id>/", views.sign, name="sign"),
    path("unterschreiben/<int:page_id>/danke/", views.sign_thanks, name="sign_thanks"),
    path("bestaetigen/<str:token>/", views.confirm, name="confirm"),
    path("zurueckziehen/<str:token>/", views.withdraw, name="withdraw"),
    path("abbestellen/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("meine-daten/", views.data_request, name="data_request"),
    path("meine-daten/<str:token>/", views.my_data, name="my_data"),
    path("verwalten/<slug:slug>/", views.dashboard, name="dashboard"),
    path("verwalten/<slug:slug>/export.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("verwalten/<slug:slug>/export.pdf", views.export, {"fmt": "pdf"}, name="export_pdf"),
    path("verwalten/<slug:slug>/pruefung/", views.moderation, name="moderation"),
]
