from django.contrib import messages
from django.utils.translation import gettext as _
from wagtail import hooks

from hds_site.periodic import DAY, MINUTE, PeriodicJob


@hooks.register("hds_periodic_jobs")
def periodic_jobs():
    # Wagtail: publish pages whose go-live time has come, unpublish expired ones
    return [
        PeriodicJob("publish-scheduled", "publish_scheduled", every=5 * MINUTE),
        # the mail outbox: retries after an SMTP outage, and the retention of sent records
        PeriodicJob("mail-deliver-due", "hds_mail", every=MINUTE, args=("--deliver-due",)),
        PeriodicJob("mail-prune", "hds_mail", every=DAY, args=("--prune",), first_delay=10 * MINUTE),
        # the live-event replay log (clients from before it get "resync"); HDS_LIVE_EVENT_RETENTION_DAYS
        PeriodicJob("live-events-prune", "prune_live_events", every=DAY, first_delay=20 * MINUTE),
    ]


@hooks.register("before_edit_page")
def explain_four_eyes(request, page):
    """The submitter of a page in a four-eyes step sees why there is no "Freigeben" for them."""
    from hds_site.models import FourEyesGroupApprovalTask

    if request.method != "GET":
        return None
    task = page.current_workflow_task
    if isinstance(task, FourEyesGroupApprovalTask) and task.blocks_approval_by(page, request.user):
        messages.info(
            request,
            _(
                "Sie haben diese Seite zur Freigabe eingereicht. Im Schritt „%(task)s“ gilt das "
                "Vier-Augen-Prinzip: Freigeben muss eine zweite Person. Änderungen anfordern oder "
                "den Workflow abbrechen können Sie weiterhin."
            )
            % {"task": task.name},
        )
    return None
