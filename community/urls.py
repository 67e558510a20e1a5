from django.urls import path

from . import views

app_name = "community"
urlpatterns = [
    path("", views.index, name="index"),
    path("c/<slug:slug>/", views.category_detail, name="category_detail"),
    path("c/<slug:slug>/neu/", views.thread_create, name="thread_create"),
    path("t/<int:pk>/", views.thread_redirect, name="thread_redirect"),
    path("t/<int:pk>-<str:slug>/", views.thread_detail, name="thread_detail"),
    path("t/<int:pk>/ungelesen/", views.thread_unread, name="thread_unread"),
    path("t/<int:pk>/antworten/", views.thread_reply, name="thread_reply"),
    path("t/<int:pk>/beobachten/", views.thread_subscription, name="thread_subscription"),
    path("t/<int:pk>/moderieren/", views.thread_moderate, name="thread_moderate"),
    path("p/<int:pk>/", views.post_permalink, name="post_permalink"),
    path("p/<int:pk>/bearbeiten/", views.post_edit, name="post_edit"),
    path("p/<int:pk>/versionen/", views.post_history, name="post_history"),
    path("p/<int:pk>/loeschen/", views.post_delete, name="post_delete"),
    path("p/<int:pk>/reagieren/", views.post_react, name="post_react"),
    path("p/<int:pk>/loesung/", views.post_accept, name="post_accept"),
    path("p/<int:pk>/melden/", views.post_report, name="post_report"),
    path("p/<int:pk>/moderieren/", views.post_moderate, name="post_moderate"),
    path("gruppen/", views.group_list, name="group_list"),
    path("gruppen/<slug:slug>/", views.group_detail, name="group_detail"),
    path("gruppen/<slug:slug>/beitreten/", views.group_join, name="group_join"),
    path("gruppen/<slug:slug>/verlassen/", views.group_leave, name="group_leave"),
    path("gruppen/<slug:slug>/anfragen/<int:membership_id>/", views.group_decide, name="group_decide"),
    path("benachrichtigungen/", views.notifications, name="notifications"),
    path("benachrichtigungen/<int:pk>/", views.notification_open, name="notification_open"),
    path("benachrichtigungen/einstellungen/", views.email_settings, name="email_settings"),
    path("abmelden/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("moderation/", views.moderation_queue, name="moderation"),
    path("moderation/meldungen/<int:pk>/abweisen/", views.report_dismiss, name="report_dismiss"),
    path("moderation/mitglieder/<int:user_id>/sperren/", views.member_suspend, name="member_suspend"),
    path("moderation/sperren/<int:pk>/aufheben/", views.suspension_lift, name="suspension_lift"),
]
