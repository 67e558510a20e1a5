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
