from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _editorial_setup(sender, using="default", **kwargs):
    # After every migrate (and test-database flush): groups "Redaktion"/"Moderation"
    # and the moderation workflow exist. Idempotent.
    from .services import ensure_editorial_setup

    if using != "default":
        return
    ensure_editorial_setup()


class ContentConfig(AppConfig):
    name = "hds_site.content"
    label = "content"
    verbose_name = "Inhalte"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        post_migrate.connect(_editorial_setup, sender=self, dispatch_uid="hds_content_editorial_setup")
