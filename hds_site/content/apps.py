from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "hds_site.content"
    label = "content"
    verbose_name = "Inhalte"
    default_auto_field = "django.db.models.BigAutoField"
