from django.apps import AppConfig


class HdsSiteConfig(AppConfig):
    name = "hds_site"
    verbose_name = "HDS"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from hds_site import pagecache

        pagecache.connect()
