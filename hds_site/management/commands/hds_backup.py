"""`manage.py hds_backup` (and `make backup`): database + media into BACKUP_DIR/<timestamp>/."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hds_site import backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump -Fc, or a SQLite copy) and MEDIA_ROOT into a timestamped folder."

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", type=Path, help="Parent folder (default: $BACKUP_DIR or ./var/backups).")
        parser.add_argument("--database-url", help="Back up this database instead of the configured one.")
        parser.add_argument("--media-root", type=Path, help="Back up these media files instead of MEDIA_ROOT.")
        parser.add_argument("--no-media", action="store_true", help="Database only.")

    def handle(self, *args, output_dir=None, database_url=None, media_root=None, no_media=False, **options):
        try:
            folder = backup.backup(
                output_dir=output_dir, database_url=database_url, media_root=media_root, include_media=not no_media
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = backup.read_manifest(folder)
        if options["verbosity"] >= 1:
            media = manifest["media"]
            media_text = f", {media['files']} media files" if media is not None else ""
            self.stderr.write(
                f"Backup of {manifest['engine']} ({len(manifest['tables'])} tables, {manifest['rows']} rows{media_text}) written to:"
            )
        return str(folder)
