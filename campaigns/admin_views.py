"""A Wagtail admin page: every campaign with its count and the bursts worth a look."""

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from . import permissions, selectors


def overview(request):
    if not permissions.can_moderate_signatures(request.user):
        raise PermissionDenied
    from .models import CampaignPage

    pages = list(CampaignPage.objects.annotate(signatures_total=selectors.signature_total()).order_by("-latest_revision_created_at"))
    bursts = selectors.bursts_by_campaign([page.pk for page in pages])
    rows = [{"page": page, "count": page.signatures_total, "bursts": bursts[page.pk]["flagged"]} for page in pages]
    return TemplateResponse(request, "campaigns/admin/overview.html", {"rows": rows})
