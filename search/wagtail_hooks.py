from wagtail import hooks


@hooks.register("hds_periodic_jobs")
def periodic_jobs():
    from hds_site.periodic import MINUTE, PeriodicJob

    # index updates recorded while the search backend was down
    return [PeriodicJob("search-retry-pending", "search_index", every=10 * MINUTE, args=("--retry-pending",))]
