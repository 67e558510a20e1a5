"""The full-text part of the database backend, per database vendor.

PostgreSQL: a GIN index on SearchDocument.search_vector (a tsvector built with
the built-in ``german`` configuration from text folded in Python, so no
extension such as unaccent is needed).
SQLite: the FTS5 virtual table ``search_fts`` (rowid = SearchDocument.id).
Other vendors get neither; the database backend then refuses to search.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS search_doc_vector_gin ON search_searchdocument USING GIN (search_vector)"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(title, body, tokenize = 'unicode61')"
        )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_doc_vector_gin")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_fts")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
