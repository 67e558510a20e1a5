"""``manage.py seed_demo`` step of the search app (runs last: search is the last project app).

The other apps' seeds may create content without going through publishing or
their services' signals, so the index is rebuilt from the database here.
Idempotent: a rebuild always yields the same index.
"""

from search import services
from search.backends.base import SearchUnavailable


def seed(stdout) -> None:
    try:
        count = services.rebuild()
    except SearchUnavailable as exc:
        stdout.write(f"search: index not rebuilt, backend unavailable ({exc}); run `manage.py search_index --rebuild`")
        return
    stdout.write(f"search: {count} Dokumente im Suchindex")
