from django.core.management.base import BaseCommand

from campaigns import services


class Command(BaseCommand):
    help = "Compare every campaign's shown count with COUNT(*) of confirmed signatures; repair and report differences."

    def handle(self, *args, **options):
        reports = services.reconcile_counts()
        repaired = [r for r in reports if r.repaired]
        for report in repaired:
            self.stdout.write(
                self.style.WARNING(f"campaign {report.campaign_id}: shown {report.shown}, actual {report.actual} – repaired")
            )
        self.stdout.write(f"campaigns checked: {len(reports)}, repaired: {len(repaired)}")
