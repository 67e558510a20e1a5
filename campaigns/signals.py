"""Receivers for Wagtail's workflow and publishing signals (connected in CampaignsConfig.ready)."""

from wagtail.signals import page_published, workflow_approved, workflow_rejected


def _approved(sender, instance, user=None, **kwargs):
    from . import services

    services.on_workflow_decision(workflow_state=instance, approved=True, user=user)


def _rejected(sender, instance, user=None, **kwargs):
    from . import services

    services.on_workflow_decision(workflow_state=instance, approved=False, user=user)


def _published(sender, instance, **kwargs):
    from . import services
    from .models import CampaignPage

    if isinstance(instance, CampaignPage):
        services.ensure_shards(instance.pk)


def connect():
    workflow_approved.connect(_approved, dispatch_uid="campaigns.workflow_approved")
    workflow_rejected.connect(_rejected, dispatch_uid="campaigns.workflow_rejected")
    page_published.connect(_published, dispatch_uid="campaigns.page_published")
