"""Every user has a profile, also users made by createsuperuser or the admin."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from . import services


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts_ensure_profile")
def ensure_profile_on_create(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        services.ensure_profile(user=instance)
