import io

import pytest
from django.core.management import call_command

EXPECTED = {
    "publish-scheduled": "publish_scheduled",
    "forum-digests": "send_forum_digests",
    "expire-signatures": "expire_signatures",
    "reconcile-counts": "reconcile_counts",
    "anonymise-signatures": "anonymise_signatures",
    "search-retry-pending": "search_index",
    "mail-deliver-due": "hds_mail",
    "mail-prune": "hds_mail",
    "live-events-prune": "prune_live_events",
}


def test_every_app_registers_its_periodic_jobs():
    from hds_site.management.commands.clock import registered_jobs

    jobs = {job.name: job for job in registered_jobs()}
    assert {name: job.command for name, job in jobs.items()} == EXPECTED
    assert all(job.every >= 60 for job in jobs.values())
    out = io.StringIO()
    call_command("clock", "--list", stdout=out)
    for name in EXPECTED:
        assert name in out.getvalue()


@pytest.mark.django_db
def test_clock_once_runs_every_job_against_the_database():
    out = io.StringIO()
    call_command("clock", "--once", stdout=out)
    text = out.getvalue()
    assert "send_forum_digests" in text
