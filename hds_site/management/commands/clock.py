"""The `clock:` process: runs the periodic management commands of every app.

Apps register their jobs with the Wagtail hook ``hds_periodic_jobs``; each hook
function returns a list of ``PeriodicJob``. ``manage.py clock`` loops forever
(Procfile ``clock:``); ``manage.py clock --once`` runs every job once and exits
(for cron or a platform scheduler); ``--list`` prints the schedule.

A failing job is logged and retried at its next turn; it never stops the clock.
Only one clock process should run per site.
"""

from __future__ import annotations

import logging
import signal
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from wagtail import hooks

from hds_site.periodic import PeriodicJob

logger = logging.getLogger("hds_site.clock")


def registered_jobs() -> list[PeriodicJob]:
    jobs: list[PeriodicJob] = []
    for fn in hooks.get_hooks("hds_periodic_jobs"):
        jobs.extend(fn())
    return sorted(jobs, key=lambda job: job.name)


def run_job(job: PeriodicJob, stdout) -> bool:
    started = time.monotonic()
    try:
        call_command(job.command, *job.args, stdout=stdout)
    except Exception:
        logger.exception("periodic job %s failed", job.name)
        return False
    logger.info("periodic job %s done in %.1fs", job.name, time.monotonic() - started)
    return True


class Command(BaseCommand):
    help = "Run the periodic jobs of all apps (the Procfile's clock: process)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once, then exit.")
        parser.add_argument("--list", action="store_true", help="Print the schedule and exit.")
        parser.add_argument("--tick", type=float, default=15.0, help="Seconds between schedule checks.")

    def handle(self, *args, once=False, list=False, tick=15.0, **options):
        jobs = registered_jobs()
        if list:
            for job in jobs:
                self.stdout.write(f"{job.name:24} every {job.every:>6}s  manage.py {job.command} {' '.join(job.args)}")
            return
        if once:
            failed = [job.name for job in jobs if not run_job(job, self.stdout)]
            if failed:
                self.stderr.write(f"failed: {', '.join(failed)}")
                raise SystemExit(1)
            return

        stop = {"now": False}

        def request_stop(signum, frame):
            stop["now"] = True

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        next_run = {job.name: time.monotonic() + job.first_delay for job in jobs}
        self.stdout.write(f"clock: {len(jobs)} jobs scheduled")
        while not stop["now"]:
            now = time.monotonic()
            for job in jobs:
                if now >= next_run[job.name]:
                    run_job(job, self.stdout)
                    next_run[job.name] = time.monotonic() + job.every
            time.sleep(tick)
