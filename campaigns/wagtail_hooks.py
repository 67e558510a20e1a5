"""Where campaigns plug into pages of lower layers (forum thread, footer) and into the Wagtail admin."""

from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import permissions


@hooks.register("hds_thread_actions")
def thread_actions(context, thread):
    """On a forum thread: the campaigns made from it, and "propose as campaign" for members."""
    from .models import CampaignPage

    request = context.get("request")
    user = getattr(request, "user", None)
    campaigns = list(CampaignPage.objects.live().public().filter(source_thread=thread).only("title", "url_path"))
    return render_to_string(
        "campaigns/includes/thread_actions.html",
        {
            "thread": thread,
            "campaigns": campaigns,
            "can_propose": permissions.can_propose(user),
            "propose_url": reverse("campaigns:propose") + f"?thread={thread.pk}",
        },
        request=request,
    )


@hooks.register("hds_footer_links")
def footer_links(context):
    return render_to_string("campaigns/includes/footer_links.html", {}, request=context.get("request"))


class ModerationMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.can_moderate_signatures(request.user)


@hooks.register("register_admin_menu_item")
def register_moderation_menu_item():
    return ModerationMenuItem(
        _("Unterschriften prüfen"), reverse("campaigns_admin_overview"), icon_name="warning", order=900
    )


@hooks.register("register_admin_urls")
def register_admin_urls():
    from .admin_views import overview

    return [path("kampagnen/unterschriften/", overview, name="campaigns_admin_overview")]


@hooks.register("hds_periodic_jobs")
def periodic_jobs():
    from hds_site.periodic import DAY, HOUR, PeriodicJob

    return [
        PeriodicJob("expire-signatures", "expire_signatures", every=HOUR),
        PeriodicJob("reconcile-counts", "reconcile_counts", every=DAY),
        PeriodicJob("anonymise-signatures", "anonymise_signatures", every=DAY),
    ]
