from django.core.management.base import BaseCommand

from campaigns import services


class Command(BaseCommand):
    help = "Anonymise signatures of campaigns closed longer than CAMPAIGNS_ANONYMISE_AFTER_DAYS (default 183) ago (run daily)."

    def add_arguments(self, parser):
        parser.add_argument("--after-days", type=int, default=None, help="override the configured period")

    def handle(self, *args, after_days=None, **options):
        result = services.anonymise_signatures(after_days=after_days)
        for campaign_id, rows in result.items():
            self.stdout.write(f"campaign {campaign_id}: {rows} signatures anonymised")
        self.stdout.write(f"campaigns anonymised: {len(result)}")
