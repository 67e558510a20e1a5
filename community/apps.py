from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    label = "community"
    verbose_name = "Forum"
    default_auto_field = "django.db.models.BigAutoField"
