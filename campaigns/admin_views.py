"""A Wagtail admin page: every campaign with its count and the bursts worth a look."""

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from . import permissions, selectors


def overview(request):
    if not permissions.can_moderate_signatures(request.user):
        raise PermissionDenied
    from .models import CampaignPage

    rows = []
    for page in CampaignPage.objects.annotate(signatures_total=selectors._count_subquery()).order_by("-latest_revision_created_at"):
        rows.append({"page": page, "count": page.signatures_total, "bursts": selectors.bursts(page.pk)["flagged"]})
    return TemplateResponse(request, "campaigns/admin/overview.html", {"rows": rows})
