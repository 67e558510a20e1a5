from django.core.management.base import BaseCommand

from campaigns import services


class Command(BaseCommand):
    help = "Delete unconfirmed signatures whose 7-day confirmation period has run out (run hourly)."

    def handle(self, *args, **options):
        deleted = services.expire_signatures()
        self.stdout.write(f"expired signatures deleted: {deleted}")
