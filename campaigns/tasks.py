"""Background work of the campaigns app: every mail goes out from here (enqueued on commit)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _page_url(page) -> str:
    url = page.get_url() or ""
    return url if url.startswith("http") else absolute(url)


def _send(to: str, template: str, context: dict, connection=None) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        context = {"SITE_NAME": settings.WAGTAIL_SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
        subject = render_to_string(f"campaigns/email/{template}_subject.txt", context).strip().replace("\n", " ")
        body = render_to_string(f"campaigns/email/{template}.txt", context)
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [to], connection=connection)
    unsubscribe = context.get("unsubscribe_url")
    if unsubscribe:
        message.extra_headers["List-Unsubscribe"] = f"<{unsubscribe}>"
    message.send()


@task()
def send_confirmation_mail(*, signature_id: int) -> bool:
    from . import services
    from .models import Signature

    signature = Signature.objects.select_related("campaign").filter(pk=signature_id, status="pending").first()
    if signature is None or not signature.email:
        return False
    _send(
        signature.email,
        "confirm",
        {
            "signature": signature,
            "campaign": signature.campaign,
            "campaign_url": _page_url(signature.campaign),
            "confirm_url": absolute(reverse("campaigns:confirm", args=[services.confirm_token(signature)])),
            "days": services.confirmation_days(),
        },
    )
    return True


@task()
def send_already_signed_mail(*, signature_id: int) -> bool:
    from . import services
    from .models import Signature

    signature = Signature.objects.select_related("campaign").filter(pk=signature_id).first()
    if signature is None or not signature.email:
        return False
    _send(
        signature.email,
        "already_signed",
        {
            "signature": signature,
            "campaign": signature.campaign,
            "campaign_url": _page_url(signature.campaign),
            "withdraw_url": absolute(reverse("campaigns:withdraw", args=[services.withdraw_token(signature)])),
        },
    )
    return True


@task()
def send_confirmed_mail(*, signature_id: int) -> bool:
    """Receipt after confirming: the withdraw link lives here."""
    from . import services
    from .models import Signature

    signature = Signature.objects.select_related("campaign").filter(pk=signature_id, status="confirmed").first()
    if signature is None or not signature.email:
        return False
    _send(
        signature.email,
        "confirmed",
        {
            "signature": signature,
            "campaign": signature.campaign,
            "campaign_url": _page_url(signature.campaign),
            "withdraw_url": absolute(reverse("campaigns:withdraw", args=[services.withdraw_token(signature)])),
        },
    )
    return True


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
    from . import services
    from .models import MilestoneReached

    milestone = MilestoneReached.objects.select_related("campaign").filter(pk=milestone_id).first()
    if milestone is None:
        return 0
    campaign = milestone.campaign
    context = {"campaign": campaign, "milestone": milestone, "campaign_url": _page_url(campaign)}
    sent = 0
    connection = get_connection()
    for organiser in campaign.organisers.exclude(email=""):
        _send(organiser.email, "milestone_organiser", {**context, "recipient": organiser}, connection)
        sent += 1
    for signature in _opted_in(campaign.pk):
        url = absolute(reverse("campaigns:unsubscribe", args=[services.unsubscribe_token(signature)]))
        _send(signature.email, "milestone", {**context, "signature": signature, "unsubscribe_url": url}, connection)
        sent += 1
    return sent


@task()
def send_update_mails(*, update_id: int) -> int:
    from . import services
    from .models import CampaignUpdate

    update = CampaignUpdate.objects.select_related("campaign").filter(pk=update_id).first()
    if update is None:
        return 0
    campaign = update.campaign
    sent = 0
    connection = get_connection()
    for signature in _opted_in(campaign.pk):
        url = absolute(reverse("campaigns:unsubscribe", args=[services.unsubscribe_token(signature)]))
        _send(
            signature.email,
            "update",
            {"campaign": campaign, "update": update, "campaign_url": _page_url(campaign), "unsubscribe_url": url},
            connection,
        )
        sent += 1
    CampaignUpdate.objects.filter(pk=update.pk).update(recipients=sent)
    return sent


@task()
def send_proposal_decision(*, campaign_id: int, decision: str, comment: str = "") -> bool:
    from .models import CampaignPage

    page = CampaignPage.objects.select_related("proposer").filter(pk=campaign_id).first()
    if page is None or page.proposer is None or not page.proposer.email:
        return False
    _send(
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


@task()
def send_data_request_mail(*, email: str, email_normalized: str) -> bool:
    from . import services

    token = services.data_request_token(email_normalized)
    _send(email, "data_request", {"data_url": absolute(reverse("campaigns:my_data", args=[token]))})
    return True
