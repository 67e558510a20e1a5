from django.apps import AppConfig


class HdsSiteConfig(AppConfig):
    name = "hds_site"
    verbose_name = "HDS"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from hds_site import admin_mail, pagecache

        pagecache.connect()
        admin_mail.connect()  # before wagtail.admin's ready, see the module
