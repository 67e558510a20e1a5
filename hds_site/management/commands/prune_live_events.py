"""``manage.py prune_live_events``: delete replayable live events past the retention period.

Run daily by the clock (``hds_periodic_jobs``, see docs/operations.md). The
retention is ``HDS_LIVE_EVENT_RETENTION_DAYS`` (default 7); ``--days`` overrides it.
A client that resumes from before the remaining log gets ``resync`` (docs/realtime.md).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from hds_site import realtime


class Command(BaseCommand):
    help = "Delete live events (the replay log) older than the retention period."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Keep this many days (default: the setting, 7).")

    def handle(self, *args, days=None, **options):
        if days is not None and days < 0:
            raise CommandError("--days must not be negative")
        deleted = realtime.prune_events(older_than_days=days)
        kept = realtime.retention_days() if days is None else days
        self.stdout.write(f"prune_live_events: {deleted} event(s) older than {kept} day(s) deleted")
