"""manage.py search_index (run for each backend)."""

import pytest
from django.core.management import call_command

from search.backends.base import SearchRequest, Viewer
from tests.factories import InterestGroupFactory

pytestmark = pytest.mark.django_db


def test_rebuild_indexes_what_exists_and_drops_what_does_not(search_backend, capsys):
    # created without running the after-commit index updates: the index knows nothing yet
    group = InterestGroupFactory(name="IG Fotografie", slug="ig-foto", description="Bildrechte und Honorare")
    search_backend.index([])
    assert search_backend.search(SearchRequest(text="Bildrechte", viewer=Viewer())).total == 0
    from search.backends.base import IndexDocument

    search_backend.index([IndexDocument(key="thread:999", doc_type="thread", object_id=999, title="Verwaist",
                                        body="Bildrechte", url="/x/")])

    call_command("search_index", "--rebuild")
    assert "indexed 1 documents" in capsys.readouterr().out
    hits = search_backend.search(SearchRequest(text="Bildrecht", viewer=Viewer())).hits
    assert [h.key for h in hits] == [f"group:{group.pk}"]

    call_command("search_index", "--check")
    out = capsys.readouterr().out
    assert "documents: 1" in out and "pending updates: 0" in out


def test_command_fails_clearly_when_the_backend_is_down(settings):
    from django.core.management.base import CommandError

    settings.HDS_SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:1"
    with pytest.raises(CommandError, match="unavailable"):
        call_command("search_index", "--rebuild")
