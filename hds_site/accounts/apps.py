from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "hds_site.accounts"
    label = "accounts"
    verbose_name = "Konten"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals  # noqa: F401
        from .models import install_display_name_methods

        install_display_name_methods()
