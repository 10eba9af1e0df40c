"""`flask --app wsgi backup create PATH` and `backup restore PATH [--force]` (see archive.py)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from marketplace.backup.archive import BackupError, create_backup, read_manifest, restore_backup
from marketplace.extensions import db
from marketplace.media.storage import get_storage


@click.group("backup")
def backup_cli():
    """Back up the database and media into one archive; restore it into an empty install."""


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def create(path: Path):
    """Write the database (SQLite copy or pg_dump) and every media file to PATH (.tar, or .tar.gz)."""
    try:
        report = create_backup(path, engine=db.engine, storage=get_storage(current_app))
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backup written to {report.path}: {report.summary()}")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Restore even though the database or media already hold data.")
def restore(path: Path, force: bool):
    """Restore PATH into this install's database and media (empty ones, unless --force).

    Then run `flask --app wsgi db upgrade` if this code is newer than the backup.
    """
    db.session.remove()
    try:
        report = restore_backup(path, engine=db.engine, storage=get_storage(current_app), force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"restored {report.path}: {report.summary()}")
    if report.mismatches:
        for line in report.mismatches:
            click.echo(f"  differs: {line}", err=True)
        raise SystemExit(1)


@backup_cli.command("check")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check(path: Path):
    """Verify every checksum of PATH and print its manifest's summary; changes nothing."""
    try:
        manifest = read_manifest(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    rows = sum(manifest["tables"].values())
    click.echo(
        f"{path}: intact; {manifest['database']['kind']} at revision {manifest['alembic_revision']}, "
        f"app {manifest['app_version']}, made {manifest['created_at']}, {rows} rows, "
        f"{manifest['media']['files']} media file(s)"
    )
