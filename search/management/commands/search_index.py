"""Maintain the search index.

    manage.py search_index --rebuild         build a fresh index from the database
                                             (Elasticsearch: new timestamped index, alias swapped
                                             atomically, old index deleted: no downtime)
    manage.py search_index --retry-pending   apply updates that failed while the backend was down
    manage.py search_index --check           report backend, document count and pending updates
"""

from django.core.management.base import BaseCommand, CommandError

from search import services
from search.backends import get_backend
from search.backends.base import SearchUnavailable
from search.models import PendingIndexUpdate


class Command(BaseCommand):
    help = "Rebuild the search index, retry pending updates, or report its state."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--rebuild", action="store_true", help="Rebuild the whole index from the database.")
        group.add_argument("--retry-pending", action="store_true", help="Apply updates recorded while the backend was down.")
        group.add_argument("--check", action="store_true", help="Report the backend and pending updates.")

    def handle(self, *args, **options):
        backend = get_backend()
        try:
            if options["rebuild"]:
                count = services.rebuild(backend=backend)
                self.stdout.write(self.style.SUCCESS(f"{backend.name}: indexed {count} documents"))
            elif options["retry_pending"]:
                total = 0
                while True:
                    applied = services.drain_pending(limit=500, backend=backend)
                    total += applied
                    if applied == 0:
                        break
                self.stdout.write(self.style.SUCCESS(f"{backend.name}: applied {total} pending updates"))
            else:
                pending = PendingIndexUpdate.objects.count()
                keys = sum(len(backend.stored_keys(p)) for p in ("page:", "thread:", "post:", "group:"))
                self.stdout.write(f"backend: {backend.name}\ndocuments: {keys}\npending updates: {pending}")
        except SearchUnavailable as exc:
            raise CommandError(f"search backend unavailable: {exc}") from exc
