"""Backups: the database and the media in one tar archive with a manifest; restore into an empty install.

The archive holds
  database.sqlite3   SQLite: a consistent copy made with sqlite3's online backup API (writers may go on)
  database.pgdump    PostgreSQL: `pg_dump --format=custom`, taken in the same snapshot as the row counts
  media/<key>        every picture and evidence file (MEDIA_ROOT, or the S3 bucket under its prefix)
  manifest.json      app version, alembic revision, database kind, rows per table, sha256 of each file

and is restored into the same kind of database (a SQLite backup into SQLite, PostgreSQL into
PostgreSQL: pg_restore, with `--clean --if-exists` in one transaction). Restore checks every
checksum before it changes anything, refuses a database or media store that has data unless forced,
and compares the restored row counts with the manifest afterwards.

The database is copied before the media: a picture uploaded while the backup runs may be in the
archive without its row (harmless); one deleted in those seconds may be missing (re-upload it).
Back up when the site is quiet, or accept that window.
"""

from __future__ import annotations

import hashlib
import io
import json
import mimetypes
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Optional

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.media.storage import LocalStorage, MediaStorage, S3Storage

FORMAT = "pasar-desa-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
MEDIA_DIR = "media/"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why (nothing was changed on restore)."""


@dataclass
class BackupReport:
    path: Path
    manifest: dict
    mismatches: list[str] = field(default_factory=list)

    def summary(self) -> str:
        rows = sum(self.manifest["tables"].values())
        media = self.manifest["media"]
        return (
            f"{self.manifest['database']['kind']} database at revision {self.manifest['alembic_revision']}: "
            f"{len(self.manifest['tables'])} tables, {rows} rows; {media['files']} media file(s), "
            f"{media['bytes']} bytes"
        )


# ---------------------------------------------------------------------------------------------
# What is in the database
# ---------------------------------------------------------------------------------------------


def app_version() -> str:
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def table_counts(connection: sa.Connection) -> dict[str, int]:
    """Rows in each of the app's tables that exist in this database."""
    present = set(sa.inspect(connection).get_table_names())
    return {
        table.name: int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
        for table in db.metadata.sorted_tables
        if table.name in present
    }


def alembic_revision(connection: sa.Connection) -> Optional[str]:
    if "alembic_version" not in sa.inspect(connection).get_table_names():
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def is_empty(engine: sa.Engine) -> bool:
    """No rows in any of the app's tables (a migrated but unused database is empty)."""
    with engine.connect() as connection:
        return not any(table_counts(connection).values())


# ---------------------------------------------------------------------------------------------
# Media
# ---------------------------------------------------------------------------------------------


def media_keys(storage: MediaStorage) -> Iterator[str]:
    """Every object's key in the store, sorted (local disk) or in the bucket's order (S3)."""
    if isinstance(storage, LocalStorage):
        if not storage.root.is_dir():
            return
        for path in sorted(storage.root.rglob("*")):
            if path.is_file() and not path.name.startswith(".tmp-"):
                yield path.relative_to(storage.root).as_posix()
    elif isinstance(storage, S3Storage):
        pages = storage.client.get_paginator("list_objects_v2").paginate(
            Bucket=storage.bucket, Prefix=storage.prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"][len(storage.prefix) :]
    else:
        raise BackupError(f"cannot list media in {type(storage).__name__}")


def media_is_empty(storage: MediaStorage) -> bool:
    return next(media_keys(storage), None) is None


# ---------------------------------------------------------------------------------------------
# Create
# ---------------------------------------------------------------------------------------------


def _pg_env(url: sa.URL) -> dict[str, str]:
    """The dump tool's whole environment: libpq's variables for `url`, nothing else (the password
    stays out of the process list; the tool is called by its full path)."""
    values = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
        "PGSSLMODE": url.query.get("sslmode"),
    }
    return {name: str(value) for name, value in values.items() if value}


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not on PATH: install PostgreSQL's client tools (Debian: postgresql-client) "
            "of the server's major version or newer"
        )
    return path


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


def _dump_sqlite(engine: sa.Engine, target: Path) -> tuple[dict[str, int], Optional[str]]:
    raw = engine.raw_connection()
    try:
        with sqlite3.connect(target) as copy:
            raw.driver_connection.backup(copy)
    finally:
        raw.close()
    copy_engine = sa.create_engine(f"sqlite:///{target}")
    try:
        with copy_engine.connect() as connection:  # counted in the copy: exactly what was saved
            return table_counts(connection), alembic_revision(connection)
    finally:
        copy_engine.dispose()


def _dump_postgresql(engine: sa.Engine, target: Path) -> tuple[dict[str, int], Optional[str]]:
    pg_dump = _pg_tool("pg_dump")
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            # Counts and dump read one snapshot, so the manifest describes exactly the dump.
            snapshot = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            counts, revision = table_counts(connection), alembic_revision(connection)
            _run(
                [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                 f"--file={target}"],
                _pg_env(engine.url),
            )  # fmt: skip
    return counts, revision


class _HashingWriter:
    """Adds members to the tar and remembers each one's sha256 for the manifest."""

    def __init__(self, tar: tarfile.TarFile):
        self.tar = tar
        self.files: dict[str, str] = {}

    def add_bytes(self, name: str, data: bytes) -> None:
        self._add(name, io.BytesIO(data), len(data))

    def add_file(self, name: str, path: Path) -> None:
        with path.open("rb") as stream:
            self._add(name, stream, path.stat().st_size)

    def _add(self, name: str, stream: IO[bytes], size: int) -> None:
        digest = hashlib.sha256()
        hashing = _HashingReader(stream, digest)
        info = tarfile.TarInfo(name)
        info.size = size
        info.mtime = int(datetime.now(UTC).timestamp())
        info.mode = 0o600
        self.tar.addfile(info, hashing)
        self.files[name] = digest.hexdigest()


class _HashingReader(io.RawIOBase):
    def __init__(self, stream: IO[bytes], digest):
        self.stream, self.digest = stream, digest

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        return data


def _tar_mode(path: Path, writing: bool) -> str:
    compressed = path.name.endswith((".tar.gz", ".tgz"))
    return ("w:gz" if compressed else "w") if writing else "r:*"


def create_backup(path: Path, *, engine: sa.Engine, storage: MediaStorage) -> BackupReport:
    """Write the database and every media file to the archive at `path` (refuses to overwrite one).

    `.tar.gz` / `.tgz` compresses; anything else is a plain tar (dumps and WebP are compressed already).
    Raises BackupError when the dump tool is missing or fails.
    """
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} exists; choose a new name")
    kind = engine.dialect.name
    if kind not in {"sqlite", "postgresql"}:
        raise BackupError(f"cannot back up a {kind} database")
    partial = path.with_name(path.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="pasar-backup-") as scratch:
        member = SQLITE_MEMBER if kind == "sqlite" else PG_MEMBER
        dump = Path(scratch) / member
        counts, revision = (_dump_sqlite if kind == "sqlite" else _dump_postgresql)(engine, dump)
        try:
            with tarfile.open(partial, _tar_mode(path, writing=True)) as tar:
                writer = _HashingWriter(tar)
                writer.add_file(member, dump)
                media_bytes = media_files = 0
                for key in media_keys(storage):
                    data = storage.read(key)
                    writer.add_bytes(MEDIA_DIR + key, data)
                    media_files += 1
                    media_bytes += len(data)
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "app_version": app_version(),
                    "alembic_revision": revision,
                    "database": {"kind": kind, "member": member, "bytes": dump.stat().st_size},
                    "tables": counts,
                    "media": {
                        "kind": "s3" if isinstance(storage, S3Storage) else "local",
                        "files": media_files,
                        "bytes": media_bytes,
                    },
                    "sha256": writer.files,
                }
                writer.add_bytes(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode())
            partial.replace(path)  # a half-written archive never carries the final name
        finally:
            partial.unlink(missing_ok=True)
    return BackupReport(path, manifest)


# ---------------------------------------------------------------------------------------------
# Restore
# ---------------------------------------------------------------------------------------------


def read_manifest(path: Path) -> dict:
    """The archive's manifest, after checking every member against its sha256 (raises BackupError)."""
    try:
        with tarfile.open(path, _tar_mode(Path(path), writing=False)) as tar:
            try:
                manifest = json.load(tar.extractfile(MANIFEST))
            except KeyError:
                raise BackupError(f"{path} has no {MANIFEST}: not a backup of this app") from None
            if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
                raise BackupError(f"{path} is not a {FORMAT} version {FORMAT_VERSION} archive")
            expected = dict(manifest["sha256"])
            for info in tar:
                if info.name == MANIFEST:
                    continue
                if info.name not in expected or not info.isfile():
                    raise BackupError(f"{path}: unexpected member {info.name!r}")
                digest = hashlib.sha256()
                stream = tar.extractfile(info)
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                if digest.hexdigest() != expected.pop(info.name):
                    raise BackupError(f"{path}: {info.name} is damaged (checksum differs)")
            if expected:
                raise BackupError(f"{path}: missing {', '.join(sorted(expected)[:5])}")
    except (tarfile.TarError, OSError, ValueError) as error:
        raise BackupError(f"cannot read {path}: {error}") from error
    return manifest


def restore_backup(
    path: Path, *, engine: sa.Engine, storage: MediaStorage, force: bool = False
) -> BackupReport:
    """Restore the archive at `path` into `engine`'s database and `storage`.

    Refuses (BackupError, nothing changed) a damaged archive, a database of another kind, and a
    database or media store holding data unless `force`. Afterwards compares every table's rows
    with the manifest; differences are listed in the report's `mismatches`.
    """
    path = Path(path)
    manifest = read_manifest(path)
    kind = manifest["database"]["kind"]
    if engine.dialect.name != kind:
        raise BackupError(f"this is a {kind} backup; the configured database is {engine.dialect.name}")
    if not force:
        if not is_empty(engine):
            raise BackupError("the database already has data; restore into an empty one, or use --force")
        if not media_is_empty(storage):
            raise BackupError("the media store already has files; restore into an empty one, or use --force")
    engine.dispose()  # no pooled connection keeps a lock or an old schema
    with tempfile.TemporaryDirectory(prefix="pasar-restore-") as scratch:
        dump = Path(scratch) / manifest["database"]["member"]
        with tarfile.open(path, _tar_mode(path, writing=False)) as tar:
            with tar.extractfile(manifest["database"]["member"]) as source, dump.open("wb") as target:
                shutil.copyfileobj(source, target, CHUNK)
            if kind == "sqlite":
                _restore_sqlite(engine, dump)
            else:
                _restore_postgresql(engine, dump)
            for info in tar:
                if info.name.startswith(MEDIA_DIR):
                    key = info.name[len(MEDIA_DIR) :]
                    content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
                    storage.save(key, tar.extractfile(info).read(), content_type)
    engine.dispose()
    with engine.connect() as connection:
        counts = table_counts(connection)
    mismatches = [
        f"{table}: {expected} row(s) in the backup, {counts.get(table)} restored"
        for table, expected in manifest["tables"].items()
        if counts.get(table) != expected
    ]
    return BackupReport(path, manifest, mismatches)


def _restore_sqlite(engine: sa.Engine, dump: Path) -> None:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("restore needs a SQLite database file")
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    # The backup API copies page by page into the live file, under SQLite's own locks.
    with sqlite3.connect(dump) as source, sqlite3.connect(database) as target:
        source.backup(target)


def _restore_postgresql(engine: sa.Engine, dump: Path) -> None:
    pg_restore = _pg_tool("pg_restore")
    _run(
        [pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
         "--exit-on-error", f"--dbname={engine.url.database}", str(dump)],
        _pg_env(engine.url),
    )  # fmt: skip
