from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    label = "community"
    verbose_name = "Forum"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # the live notification badge in the site header (hook hds_header_items)
        from . import wagtail_hooks_live  # noqa: F401
