"""Backups: `hds_backup` then `hds_restore` into a FRESH database finds every row.

The PostgreSQL test (marker `services`) goes through the real tools: pg_dump
in an exported snapshot, pg_restore into a newly created database. It creates
members, pages, forum threads and posts, campaign signatures where the
campaigns app can make them, and a media file; then compares the row count of
*every table* and looks the created objects up in the restored copy.
"""

import importlib
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from hds_site import backup

# transactional: the backup must see committed rows. After the flush of an earlier
# transactional test, the content app's post_migrate handler restores Wagtail's base rows.
SERIAL = {"transaction": True}


# --- data ---------------------------------------------------------------------


def make_data(media_root: Path) -> dict:
    """Rows in as many apps as exist, through their services/factories; returns what to look for."""
    from wagtail.models import Page

    factories = importlib.import_module("tests.factories")
    expected: dict = {"users": [], "pages": [], "posts": [], "signatures": [], "media": {}}

    members = [factories.UserFactory(email=f"sicherung{n}@example.org") for n in range(3)]
    expected["users"] = [member.email for member in members]

    root = Page.get_first_root_node()
    parent = root.get_children().first() or root
    for n in range(2):
        page = parent.add_child(instance=Page(title=f"Sicherungsseite {n}", slug=f"sicherungsseite-{n}-{uuid.uuid4().hex[:6]}"))
        page.save_revision().publish()
        expected["pages"].append(page.title)

    if hasattr(factories, "forum_thread"):
        from django.test import override_settings

        from community import services as forum

        thread = factories.forum_thread(author=members[0], title="Backup-Thread", body="Erster Beitrag im Backup-Test.")
        with override_settings(HDS_FORUM_PREMODERATION={"enabled": False}):
            for n in range(3):
                forum.post_reply(thread=thread, author=members[n % 3], body=f"Antwort {n} im Backup-Test.", enforce_limits=False)
        expected["posts"] = ["Erster Beitrag im Backup-Test."] + [f"Antwort {n} im Backup-Test." for n in range(3)]

    make_signatures = getattr(factories, "signed_campaign", None)
    if make_signatures is not None:  # campaigns' helper, once it exists
        expected["signatures"] = make_signatures(emails=[f"unterzeichnerin{n}@example.org" for n in range(4)])

    media_root.mkdir(parents=True, exist_ok=True)
    (media_root / "original_images").mkdir(exist_ok=True)
    files = {
        "original_images/foto.jpg": bytes(range(256)) * 40,
        "documents/merkblatt.pdf": b"%PDF-1.4 Merkblatt\n",
        "umlaut-ä.txt": "Grüße".encode(),
    }
    for name, content in files.items():
        (media_root / name).parent.mkdir(parents=True, exist_ok=True)
        (media_root / name).write_bytes(content)
    expected["media"] = files
    return expected


def assert_media_restored(target: Path, files: dict) -> None:
    for name, content in files.items():
        assert (target / name).read_bytes() == content, name


# --- PostgreSQL ---------------------------------------------------------------


@pytest.fixture
def fresh_postgres(postgres):
    """A new, empty database next to the test database; dropped afterwards."""
    source = backup.configured_database()
    name = f"{source.name}_restore_{uuid.uuid4().hex[:8]}"
    admin = backup.Database(**{**source.__dict__, "name": "postgres"})
    with admin.psycopg_connect(autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    fresh = backup.Database(**{**source.__dict__, "name": name})
    try:
        yield fresh
    finally:
        with admin.psycopg_connect(autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def url_of(database: backup.Database) -> str:
    auth = database.user + (f":{database.password}" if database.password else "")
    return f"postgres://{auth}@{database.host or '127.0.0.1'}:{database.port or 5432}/{database.name}"


@pytest.mark.services
@pytest.mark.slow
@pytest.mark.django_db(**SERIAL)
def test_postgres_backup_restores_every_row_into_a_fresh_database(postgres, fresh_postgres, settings, tmp_path):
    expected = make_data(Path(settings.MEDIA_ROOT))
    source = backup.configured_database()
    source_counts = backup.count_rows(source)

    folder = Path(call_command("hds_backup", output_dir=tmp_path / "backups", verbosity=0))
    assert folder.parent == tmp_path / "backups"
    assert sorted(p.name for p in folder.iterdir()) == ["db.dump", "manifest.json", "media.tar.gz"]
    manifest = backup.read_manifest(folder)
    assert manifest["engine"] == "postgresql"
    assert manifest["tables"] == source_counts  # the dump's snapshot: nothing wrote meanwhile

    restored_media = tmp_path / "restored-media"
    call_command(
        "hds_restore", str(folder), database_url=url_of(fresh_postgres), media_root=restored_media, noinput=True,
        verbosity=0,
    )

    restored = backup.count_rows(fresh_postgres)
    assert restored == source_counts, {t: (source_counts.get(t), restored.get(t)) for t in set(source_counts) | set(restored) if source_counts.get(t) != restored.get(t)}
    assert sum(restored.values()) > 100  # wagtail, auth, allauth, the apps: a real database, not an empty one

    with fresh_postgres.psycopg_connect() as conn:
        emails = {row[0] for row in conn.execute("SELECT email FROM auth_user")}
        assert set(expected["users"]) <= emails
        titles = {row[0] for row in conn.execute("SELECT title FROM wagtailcore_page WHERE live")}
        assert set(expected["pages"]) <= titles
        if expected["posts"]:
            bodies = {row[0] for row in conn.execute("SELECT body FROM community_post")}
            assert set(expected["posts"]) <= bodies
        if expected["signatures"]:
            signed = {row[0] for row in conn.execute("SELECT email FROM campaigns_signature")}
            assert set(expected["signatures"]) <= signed
    assert_media_restored(restored_media, expected["media"])


@pytest.mark.services
@pytest.mark.slow
@pytest.mark.django_db(**SERIAL)
def test_restore_over_a_used_database_replaces_its_rows(postgres, fresh_postgres, settings, tmp_path):
    """`make restore` onto the live database: later writes are gone, the backup's rows are back."""
    make_data(Path(settings.MEDIA_ROOT))
    folder = Path(call_command("hds_backup", output_dir=tmp_path, no_media=True, verbosity=0))
    call_command("hds_restore", str(folder), database_url=url_of(fresh_postgres), no_media=True, noinput=True, verbosity=0)
    with fresh_postgres.psycopg_connect(autocommit=True) as conn:
        conn.execute("INSERT INTO auth_group (name) VALUES ('nach dem Backup')")
        conn.execute("UPDATE wagtailcore_page SET title = 'überschrieben' WHERE title = 'Sicherungsseite 0'")

    call_command("hds_restore", str(folder), database_url=url_of(fresh_postgres), no_media=True, noinput=True, verbosity=0)
    assert backup.count_rows(fresh_postgres) == backup.read_manifest(folder)["tables"]
    with fresh_postgres.psycopg_connect() as conn:
        assert conn.execute("SELECT count(*) FROM auth_group WHERE name = 'nach dem Backup'").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM wagtailcore_page WHERE title = 'Sicherungsseite 0'").fetchone()[0] == 1


# --- SQLite (the embedded default) -----------------------------------------------


@pytest.mark.django_db(**SERIAL)
def test_sqlite_backup_round_trip(settings, tmp_path):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the SQLite round trip runs on the embedded default database")
    expected = make_data(Path(settings.MEDIA_ROOT))

    folder = Path(call_command("hds_backup", output_dir=tmp_path / "backups", verbosity=0))
    assert (folder / "db.sqlite3").exists()
    target = tmp_path / "restored.sqlite3"
    call_command(
        "hds_restore", str(folder), database_url=f"sqlite:///{target}", media_root=tmp_path / "media2", noinput=True,
        verbosity=0,
    )
    restored = backup.count_rows(backup.Database(vendor="sqlite", name=str(target)))
    assert restored == backup.read_manifest(folder)["tables"]
    assert restored["auth_user"] >= 3
    assert_media_restored(tmp_path / "media2", expected["media"])


def test_other_databases_are_refused_clearly(tmp_path):
    with pytest.raises(CommandError, match="PostgreSQL .*SQLite only"):
        call_command("hds_backup", output_dir=tmp_path, database_url="mysql://user:pw@localhost/hds", verbosity=0)
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_restore_refuses_a_folder_that_is_no_backup(tmp_path):
    with pytest.raises(CommandError, match="not a backup folder"):
        call_command("hds_restore", str(tmp_path), noinput=True)
    (tmp_path / "20260101T000000Z.partial").mkdir()  # an interrupted backup is never "the latest"
    with pytest.raises(backup.BackupError, match="No complete backup"):
        backup.find_latest(tmp_path)


def test_a_failed_backup_leaves_no_folder_behind(tmp_path):
    with pytest.raises(CommandError, match="Cannot connect"):
        call_command("hds_backup", output_dir=tmp_path, database_url="postgres://nobody@127.0.0.1:1/none", verbosity=0)
    assert list(tmp_path.iterdir()) == []
