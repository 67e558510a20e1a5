from wagtail import hooks

from hds_site.periodic import MINUTE, PeriodicJob


@hooks.register("hds_periodic_jobs")
def periodic_jobs():
    # Wagtail: publish pages whose go-live time has come, unpublish expired ones
    return [PeriodicJob("publish-scheduled", "publish_scheduled", every=5 * MINUTE)]
