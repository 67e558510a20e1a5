"""``manage.py hds_mail``: the mail outbox for operations (see docs/operations.md, "Mail delivery").

    manage.py hds_mail --status        counts by state, and the oldest waiting mails (no addresses)
    manage.py hds_mail --deliver-due   send every due mail now (the clock runs this every minute)
    manage.py hds_mail --retry-failed  give failed mails a fresh set of attempts
    manage.py hds_mail --prune         delete sent/failed records past the retention period (daily)
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from hds_site import mail
from hds_site.models import OutboxMail


class Command(BaseCommand):
    help = "Mail outbox: status, deliver due mails, retry failed ones, prune old records."

    def add_arguments(self, parser):
        parser.add_argument("--status", action="store_true", help="Counts by state and the oldest stuck mails.")
        parser.add_argument("--deliver-due", action="store_true", help="Send every pending mail that is due.")
        parser.add_argument("--retry-failed", action="store_true", help="Failed mails back to pending.")
        parser.add_argument("--prune", action="store_true", help="Delete records past the retention period.")

    def handle(self, *args, status=False, deliver_due=False, retry_failed=False, prune=False, **options):
        if not (status or deliver_due or retry_failed or prune):
            raise CommandError("say what to do: --status, --deliver-due, --retry-failed or --prune")
        if retry_failed:
            self.stdout.write(f"hds_mail: {mail.retry_failed()} failed mail(s) queued again")
        if deliver_due:
            run = mail.deliver_due()
            self.stdout.write(
                f"hds_mail: sent {run.sent}, retry later {run.retry}, failed {run.failed}, skipped {run.skipped}, dropped {run.dropped}"
            )
        if prune:
            self.stdout.write(f"hds_mail: {mail.prune()} old record(s) deleted")
        if status:
            counts = mail.status_counts()
            self.stdout.write("  ".join(f"{name}={count}" for name, count in counts.items()))
            stuck = OutboxMail.objects.exclude(status=OutboxMail.Status.SENT).filter(attempts__gt=0).order_by("created_at")
            for row in stuck.only("pk", "category", "status", "attempts", "last_error", "created_at",
                                  "next_attempt_at")[:20]:
                self.stdout.write(
                    f"  #{row.pk} {row.category or 'mail':24} {row.status:8} attempts={row.attempts:<3} "
                    f"created={row.created_at:%Y-%m-%d %H:%M} next={row.next_attempt_at:%Y-%m-%d %H:%M} "
                    f"{row.last_error}"
                )
