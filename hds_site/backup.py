"""Backups of the database and the media files, and their restore.

A backup is a folder ``<BACKUP_DIR>/<UTC timestamp>/`` with

- ``db.dump``      PostgreSQL custom-format dump (``pg_dump -Fc``), or
  ``db.sqlite3``   a consistent copy of an SQLite database (sqlite backup API);
- ``media.tar.gz`` every file under MEDIA_ROOT;
- ``manifest.json`` what was backed up: engine, database name, the row count
  of every table *in the same snapshot as the dump*, media file count.

The folder is written as ``<timestamp>.partial`` and renamed when complete,
so a backup that was interrupted never looks like a good one.

`restore` loads a backup into a database (the configured one or any
DATABASE_URL, e.g. a fresh database), unpacks the media files and then
verifies every table's row count against the manifest.

Only PostgreSQL and SQLite are supported; anything else is refused.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import dj_database_url
from django.conf import settings
from django.db import connections

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PG_DUMP_FILE = "db.dump"
SQLITE_FILE = "db.sqlite3"
MEDIA_FILE = "media.tar.gz"


class BackupError(Exception):
    """A backup or restore cannot be done; the message says why, for an operator."""


@dataclass(frozen=True)
class Database:
    """Where a database lives, independent of Django's connection objects."""

    vendor: str  # "postgresql" | "sqlite"
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""
    options: dict[str, Any] | None = None

    @classmethod
    def from_settings_dict(cls, db: dict[str, Any]) -> Database:
        engine = db.get("ENGINE", "")
        if "postgresql" in engine or "postgis" in engine:
            vendor = "postgresql"
        elif "sqlite3" in engine or "spatialite" in engine:
            vendor = "sqlite"
        else:
            raise BackupError(
                f"Backups support PostgreSQL (pg_dump/pg_restore) and SQLite only; "
                f"this database uses {engine or 'an unknown engine'}. Use your database's own backup tool."
            )
        return cls(
            vendor=vendor,
            name=str(db.get("NAME") or ""),
            host=str(db.get("HOST") or ""),
            port=str(db.get("PORT") or ""),
            user=str(db.get("USER") or ""),
            password=str(db.get("PASSWORD") or ""),
            options=dict(db.get("OPTIONS") or {}),
        )

    @classmethod
    def from_url(cls, url: str) -> Database:
        try:
            parsed = dj_database_url.parse(url)
        except Exception as exc:  # unknown scheme, malformed URL
            raise BackupError(
                f"Backups support PostgreSQL and SQLite URLs only (postgres://…, sqlite:///…); got {url.split(':', 1)[0]}:…"
            ) from exc
        return cls.from_settings_dict(cast(dict[str, Any], parsed))

    def describe(self) -> str:
        if self.vendor == "sqlite":
            return f"SQLite {self.name}"
        return f"PostgreSQL database {self.name!r} on {self.host or 'localhost'}:{self.port or 5432}"

    # --- PostgreSQL ----------------------------------------------------------

    def libpq_env(self) -> dict[str, str]:
        """Connection parameters for pg_dump/pg_restore; the password never appears on a command line."""
        env = dict(os.environ)
        for key, value in {
            "PGHOST": self.host,
            "PGPORT": self.port,
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": self.name,
        }.items():
            if value:
                env[key] = value
            else:
                env.pop(key, None)
        options = self.options or {}
        for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("sslcert", "PGSSLCERT"), ("sslkey", "PGSSLKEY")):
            if options.get(option):
                env[variable] = str(options[option])
        return env

    def psycopg_connect(self, **kwargs):
        import psycopg

        try:
            return self._psycopg_connect(psycopg, **kwargs)
        except psycopg.OperationalError as exc:
            raise BackupError(f"Cannot connect to {self.describe()}: {str(exc).strip()}") from exc

    def _psycopg_connect(self, psycopg, **kwargs):

        params = {"dbname": self.name, "host": self.host or None, "port": self.port or None, "user": self.user or None, "password": self.password or None}
        options = self.options or {}
        for option in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
            if options.get(option):
                params[option] = options[option]
        return psycopg.connect(**{k: v for k, v in params.items() if v is not None}, **kwargs)


def configured_database(alias: str = "default") -> Database:
    # connections[alias].settings_dict follows the test runner's test database name
    return Database.from_settings_dict(connections[alias].settings_dict)


def backup_root() -> Path:
    return Path(os.environ.get("BACKUP_DIR") or settings.BASE_DIR / "var" / "backups")


# --- counting rows ----------------------------------------------------------

PG_TABLES = (
    "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
    "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'pg_temp%' ORDER BY 1"
)


def _pg_counts(cursor) -> dict[str, int]:
    cursor.execute(PG_TABLES)
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 — names come from pg_tables, quoted by quote_ident
        counts[table.removeprefix("public.")] = cursor.fetchone()[0]
    return counts


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    counts = {}
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        counts[table] = conn.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]  # noqa: S608 — table names from the catalogue, quoted
    return counts


def count_rows(database: Database) -> dict[str, int]:
    """Row count of every table in a database (used by the restore check and the tests)."""
    if database.vendor == "postgresql":
        with database.psycopg_connect() as conn, conn.cursor() as cursor:
            return _pg_counts(cursor)
    conn = sqlite3.connect(database.name)
    try:
        return _sqlite_counts(conn)
    finally:
        conn.close()


# --- backup -----------------------------------------------------------------


def _run(command: list[str], env: dict[str, str]) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed (Debian/Ubuntu: apt-get install postgresql-client).")
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603 — pg_dump/pg_restore with arguments from settings, no shell
    if result.returncode != 0:
        raise BackupError(f"{tool} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")


def _backup_postgres(database: Database, folder: Path) -> dict[str, int]:
    """pg_dump in the snapshot in which the rows are counted: counts and dump agree exactly."""
    with database.psycopg_connect(autocommit=True) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _pg_counts(cursor)
            _run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", f"--file={folder / PG_DUMP_FILE}"],
                database.libpq_env(),
            )
        conn.execute("ROLLBACK")
    return counts


def _backup_sqlite(folder: Path, alias: str, database: Database | None) -> dict[str, int]:
    target = sqlite3.connect(folder / SQLITE_FILE)
    try:
        if database is None:
            # Django's own connection: works for files and in-memory test databases alike
            connection = connections[alias]
            connection.ensure_connection()
            connection.connection.backup(target)
        else:
            source = sqlite3.connect(database.name)
            try:
                source.backup(target)
            finally:
                source.close()
        return _sqlite_counts(target)
    finally:
        target.close()


def _backup_media(media_root: Path, folder: Path) -> dict[str, int]:
    files = total = 0
    with tarfile.open(folder / MEDIA_FILE, "w:gz") as archive:
        if media_root.is_dir():
            for path in sorted(media_root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    archive.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
                    files += 1
                    total += path.stat().st_size
    return {"files": files, "bytes": total}


def backup(*, output_dir: Path | None = None, database_url: str | None = None, media_root: Path | None = None,
           include_media: bool = True, alias: str = "default") -> Path:
    """Write a complete backup folder and return its path."""
    database = Database.from_url(database_url) if database_url else configured_database(alias)
    root = Path(output_dir) if output_dir else backup_root()
    root.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    final = root / stamp
    n = 1
    while final.exists() or final.with_name(final.name + ".partial").exists():
        final = root / f"{stamp}-{n}"
        n += 1
    partial = final.with_name(final.name + ".partial")
    partial.mkdir()
    try:
        if database.vendor == "postgresql":
            counts = _backup_postgres(database, partial)
        else:
            counts = _backup_sqlite(partial, alias, database if database_url else None)
        media = None
        if include_media:
            media = _backup_media(Path(media_root or settings.MEDIA_ROOT), partial)
        manifest = {
            "format": FORMAT_VERSION,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "engine": database.vendor,
            "database": database.name if database.vendor == "postgresql" else Path(database.name).name,
            "tables": counts,
            "rows": sum(counts.values()),
            "media": media,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


# --- restore ----------------------------------------------------------------


def find_latest(root: Path | None = None) -> Path:
    root = Path(root) if root else backup_root()
    candidates = sorted(p for p in root.glob("*") if p.is_dir() and not p.name.endswith(".partial") and (p / MANIFEST).exists())
    if not candidates:
        raise BackupError(f"No complete backup in {root}.")
    return candidates[-1]


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((Path(folder) / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{folder} is not a backup folder (no {MANIFEST}).") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r} in {folder}.")
    return manifest


def _restore_postgres(folder: Path, database: Database) -> None:
    # --single-transaction: all or nothing; --clean --if-exists: works on a fresh and on a used database
    _run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
         "--exit-on-error", f"--dbname={database.name}", str(folder / PG_DUMP_FILE)],
        database.libpq_env(),
    )


def _restore_sqlite(folder: Path, database: Database, alias: str | None) -> None:
    if database.name in ("", ":memory:"):
        raise BackupError("Cannot restore into an in-memory SQLite database; name a file.")
    if alias is not None:
        connections[alias].close()
    source = sqlite3.connect(folder / SQLITE_FILE)
    target = sqlite3.connect(database.name)
    try:
        source.backup(target)  # replaces the target's pages atomically
    finally:
        source.close()
        target.close()


def _restore_media(folder: Path, media_root: Path) -> int:
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / MEDIA_FILE, "r:gz") as archive:
        members = archive.getmembers()
        archive.extractall(media_root, filter="data")  # no absolute paths, no "..", no device files
    return sum(1 for member in members if member.isfile())


@dataclass
class RestoreResult:
    database: str
    tables: int
    rows: int
    media_files: int | None


def restore(folder: Path, *, database_url: str | None = None, media_root: Path | None = None,
            include_media: bool = True, alias: str = "default") -> RestoreResult:
    """Load a backup folder into a database and MEDIA_ROOT, then verify every table's row count."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    database = Database.from_url(database_url) if database_url else configured_database(alias)
    if manifest["engine"] != database.vendor:
        raise BackupError(
            f"The backup holds a {manifest['engine']} database; the target is {database.describe()}. "
            "Restore into the same kind of database."
        )
    if database.vendor == "postgresql":
        _restore_postgres(folder, database)
    else:
        _restore_sqlite(folder, database, None if database_url else alias)

    expected = manifest["tables"]
    actual = count_rows(database)
    wrong = {table: (rows, actual.get(table)) for table, rows in expected.items() if actual.get(table) != rows}
    if wrong:
        details = ", ".join(f"{table}: expected {rows}, found {found}" for table, (rows, found) in sorted(wrong.items()))
        raise BackupError(f"Restore incomplete: {details}")

    media_files = None
    if include_media and manifest.get("media") is not None:
        media_files = _restore_media(folder, Path(media_root or settings.MEDIA_ROOT))
        if media_files != manifest["media"]["files"]:
            raise BackupError(f"Media restore incomplete: expected {manifest['media']['files']} files, got {media_files}.")
    return RestoreResult(database=database.describe(), tables=len(expected), rows=sum(expected.values()), media_files=media_files)
