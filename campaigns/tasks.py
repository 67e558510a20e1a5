"""Every mail of the campaigns app is composed here and queued in the mail outbox (``hds_site.mail``).

Single mails (confirmation, receipt, proposal decision, data request) are
queued by the service inside its transaction. Mails to many people (milestones,
organiser updates) are composed by a background task enqueued on commit; each
recipient's mail carries an outbox key, so a task that runs twice queues it once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django_tasks import task

from hds_site import mail


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _page_url(page) -> str:
    url = page.get_url() or ""
    return url if url.startswith("http") else absolute(url)


def _queue(to: str, template: str, context: dict, *, key: str | None = None, unsubscribe_url: str | None = None):
    return mail.queue_templated(
        to=to, template=f"campaigns/email/{template}", context=context, unsubscribe_url=unsubscribe_url,
        category=f"campaign-{template}".replace("_", "-"), key=key,
    )


# template → (status the signature must have, or None; the link the mail carries)
SIGNATURE_MAILS = {
    "confirm": ("pending", "confirm_url"),
    "already_signed": (None, "withdraw_url"),
    "confirmed": ("confirmed", "withdraw_url"),
}


def queue_signature_mail(*, signature, template: str) -> bool:
    """The mail to a signer: "confirm" (the link that counts the signature), "already_signed",
    "confirmed" (the receipt with the withdraw link). Called in the signing service's transaction.

    The request only writes the outbox row (one INSERT); the text is composed at delivery by
    ``compose_signature_mail``, which also drops a mail that no longer fits (a confirmation link for a
    signature confirmed or withdrawn meanwhile).
    """
    if template not in SIGNATURE_MAILS:
        raise ValueError(f"unknown signature mail {template!r}")
    if not signature.email:
        return False
    mail.queue_composed(
        to=signature.email, composer="campaigns.tasks.compose_signature_mail",
        params={"signature_id": signature.pk, "template": template},
        category=f"campaign-{template}".replace("_", "-"),
    )
    return True


def compose_signature_mail(*, signature_id: int, template: str) -> mail.Composed | None:
    """The text of a signer's mail, at delivery; None when the signature is gone, erased or no longer in the
    state the mail is about."""
    from . import services
    from .models import Signature

    status, link = SIGNATURE_MAILS[template]
    signatures = Signature.objects.select_related("campaign").filter(pk=signature_id)
    if status:
        signatures = signatures.filter(status=status)
    signature = signatures.first()
    if signature is None or not signature.email:
        return None
    context = {"signature": signature, "campaign": signature.campaign, "campaign_url": _page_url(signature.campaign)}
    if link == "confirm_url":
        context["confirm_url"] = absolute(reverse("campaigns:confirm", args=[services.confirm_token(signature)]))
        context["days"] = services.confirmation_days()
    else:
        context["withdraw_url"] = absolute(reverse("campaigns:withdraw", args=[services.withdraw_token(signature)]))
    subject, body = mail.render(f"campaigns/email/{template}", context)
    return mail.Composed(subject=subject, body=body)


def _opted_in(campaign_id: int):
    from .models import Signature

    return (
        Signature.objects.filter(campaign_id=campaign_id, status="confirmed", updates_opt_in=True)
        .exclude(email="")
        .only("pk", "email", "name")
        .iterator(chunk_size=500)
    )


@task()
def send_milestone_mails(*, milestone_id: int) -> int:
    """Queue the milestone mail to the organisers and the opted-in signers; returns how many were addressed."""
    from . import services
    from .models import MilestoneReached

    milestone = MilestoneReached.objects.select_related("campaign").filter(pk=milestone_id).first()
    if milestone is None:
        return 0
    campaign = milestone.campaign
    context = {"campaign": campaign, "milestone": milestone, "campaign_url": _page_url(campaign)}
    addressed = 0
    with transaction.atomic(), mail.one_delivery():  # all rows at once, then one delivery task
        for organiser in campaign.organisers.exclude(email=""):
            _queue(organiser.email, "milestone_organiser", {**context, "recipient": organiser},
                   key=f"milestone:{milestone.pk}:organiser:{organiser.pk}")
            addressed += 1
        for signature in _opted_in(campaign.pk):
            url = absolute(reverse("campaigns:unsubscribe", args=[services.unsubscribe_token(signature)]))
            _queue(signature.email, "milestone", {**context, "signature": signature},
                   key=f"milestone:{milestone.pk}:signature:{signature.pk}", unsubscribe_url=url)
            addressed += 1
    return addressed


@task()
def send_update_mails(*, update_id: int) -> int:
    """Queue an organiser's update to the opted-in signers; returns (and records) how many were addressed."""
    from . import services
    from .models import CampaignUpdate

    update = CampaignUpdate.objects.select_related("campaign").filter(pk=update_id).first()
    if update is None:
        return 0
    campaign = update.campaign
    addressed = 0
    with transaction.atomic(), mail.one_delivery():  # all rows at once, then one delivery task
        for signature in _opted_in(campaign.pk):
            url = absolute(reverse("campaigns:unsubscribe", args=[services.unsubscribe_token(signature)]))
            _queue(signature.email, "update",
                   {"campaign": campaign, "update": update, "campaign_url": _page_url(campaign)},
                   key=f"update:{update.pk}:signature:{signature.pk}", unsubscribe_url=url)
            addressed += 1
        CampaignUpdate.objects.filter(pk=update.pk).update(recipients=addressed)
    return addressed


def queue_proposal_decision(*, campaign_id: int, decision: str, comment: str = "") -> bool:
    from .models import CampaignPage

    page = CampaignPage.objects.select_related("proposer").filter(pk=campaign_id).first()
    if page is None or page.proposer is None or not page.proposer.email:
        return False
    _queue(
        page.proposer.email,
        "proposal_approved" if decision == "approved" else "proposal_rejected",
        {
            "campaign": page,
            "campaign_url": _page_url(page) if page.live else "",
            "comment": comment,
            "propose_url": absolute(reverse("campaigns:propose")),
        },
    )
    return True


def queue_data_request_mail(*, email: str, email_normalized: str) -> bool:
    from . import services

    token = services.data_request_token(email_normalized)
    _queue(email, "data_request", {"data_url": absolute(reverse("campaigns:my_data", args=[token]))})
    return True
