"""Every user has a profile, also users made by createsuperuser or the admin; and every deleted user
is erased the same way, whoever deletes the row (self-service, the Wagtail admin, a shell)."""

from django.conf import settings
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from . import services


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts_ensure_profile")
def ensure_profile_on_create(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        services.ensure_profile(user=instance)


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts_erase_on_delete")
def erase_on_delete(sender, instance, **kwargs):
    """Inside the deleting transaction (Django sends pre_delete in it): the same as ``delete_account``."""
    services.erase_member(user=instance)
