"""`manage.py hds_restore <folder>|--latest` (and `make restore`): load a backup, then verify it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hds_site import backup


class Command(BaseCommand):
    help = (
        "Restore a backup folder written by hds_backup into the configured database (or --database-url) "
        "and MEDIA_ROOT, then check every table's row count against the backup's manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", nargs="?", type=Path, help="The backup folder (…/var/backups/<timestamp>).")
        parser.add_argument("--latest", action="store_true", help="Use the newest complete backup in $BACKUP_DIR.")
        parser.add_argument("--database-url", help="Restore into this database (e.g. a freshly created one).")
        parser.add_argument("--media-root", type=Path, help="Unpack the media files here instead of MEDIA_ROOT.")
        parser.add_argument("--no-media", action="store_true", help="Database only.")
        parser.add_argument("--noinput", "--no-input", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, folder=None, latest=False, database_url=None, media_root=None, no_media=False,
               noinput=False, **options):
        try:
            if folder is None:
                if not latest:
                    raise CommandError("Name a backup folder, or pass --latest.")
                folder = backup.find_latest()
            manifest = backup.read_manifest(folder)
            target = backup.Database.from_url(database_url) if database_url else backup.configured_database()
            if not noinput:
                answer = input(
                    f"Restore {folder} ({manifest['created']}, {manifest['rows']} rows) into {target.describe()}?\n"
                    "This REPLACES its tables" + ("" if no_media else " and overwrites files in the media folder")
                    + ". Type 'yes' to continue: "
                )
                if answer.strip().lower() != "yes":
                    raise CommandError("Restore cancelled.")
            result = backup.restore(folder, database_url=database_url, media_root=media_root, include_media=not no_media)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        media = f", {result.media_files} media files" if result.media_files is not None else ""
        self.stdout.write(f"Restored {result.tables} tables with {result.rows} rows{media} into {result.database}; row counts verified.")
