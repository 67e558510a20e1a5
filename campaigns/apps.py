from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    label = "campaigns"
    verbose_name = "Kampagnen"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals
        from .text import guard_wagtail_csv_exports

        signals.connect()
        guard_wagtail_csv_exports()  # member-typed titles reach Wagtail's admin CSV exports
