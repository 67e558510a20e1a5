"""Search's own tables.

``SearchDocument`` is the index of the database backend: one row per
searchable thing with its visibility metadata. The full-text part lives next
to it:

* PostgreSQL: ``search_vector`` (a ``tsvector`` built with the ``german``
  configuration from folded text, title weighted A, body B) with a GIN index
  created by migration 0002.
* SQLite: the FTS5 virtual table ``search_fts`` (rowid = SearchDocument.id)
  holding folded, Snowball-stemmed words, created by migration 0002.

``PendingIndexUpdate`` remembers index updates that failed because the
backend was unavailable, so they are retried later (see search/tasks.py).
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone


class SearchDocument(models.Model):
    key = models.CharField(max_length=64, unique=True)
    doc_type = models.CharField(max_length=16)
    object_id = models.BigIntegerField()
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500)
    date = models.DateTimeField(null=True, blank=True)
    topic_ids = models.JSONField(default=list, blank=True)
    audience = models.CharField(max_length=40)
    moderation_only = models.BooleanField(default=False)
    language = models.CharField(max_length=8, blank=True)
    suggest = models.BooleanField(default=True)
    # PostgreSQL only (stays NULL on SQLite, where search_fts holds the words)
    search_vector = SearchVectorField(null=True, blank=True, editable=False)
    indexed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["audience", "moderation_only"], name="search_doc_visibility"),
            models.Index(fields=["doc_type"], name="search_doc_type"),
            models.Index(fields=["-date"], name="search_doc_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(doc_type__in=["article", "page", "thread", "post", "campaign", "group"]),
                name="search_doc_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class SearchDocumentTopic(models.Model):
    """Topic ids of a document, for the topic filter and its counts."""

    document = models.ForeignKey(SearchDocument, on_delete=models.CASCADE, related_name="topics")
    topic_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "topic_id"], name="search_doc_topic_unique"),
        ]
        indexes = [models.Index(fields=["topic_id"], name="search_doc_topic_id")]


class PendingIndexUpdate(models.Model):
    """An index update that could not be applied yet (backend down)."""

    ref = models.CharField(max_length=120, unique=True)  # "<app_label>.<model>:<pk>"
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.ref
