"""``manage.py send_forum_digests``: the daily forum digest (run once a day by the scheduler).

Enqueues one ``send_digest`` task per member whose email mode is the digest (the
default) and who has unread notifications not yet emailed.
"""

from django.core.management.base import BaseCommand

from community import selectors, tasks


class Command(BaseCommand):
    help = "Versendet die tägliche Forum-Zusammenfassung an Mitglieder mit ungelesenen Benachrichtigungen."

    def handle(self, *args, **options):
        user_ids = selectors.digest_recipient_ids()
        for user_id in user_ids:
            tasks.send_digest.enqueue(user_id)
        self.stdout.write(f"send_forum_digests: {len(user_ids)} Zusammenfassung(en) eingereiht.")
