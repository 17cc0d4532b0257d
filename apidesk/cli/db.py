"""`apidesk db`: schema migrations, backup and restore."""

from __future__ import annotations

from pathlib import Path

import typer

from apidesk.cli.common import console, describe, fail, settings
from apidesk.errors import DomainError
from apidesk.storage import backup, migrate
from apidesk.storage.database import open_database

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Create or upgrade the schema."""
    database = open_database(settings().database_url)
    try:
        migrate.upgrade(database.engine, revision)
        console.print(f"Schema at revision {migrate.current_revision(database.engine)}.")
    finally:
        database.dispose()


@app.command("current")
def current() -> None:
    """Show the schema revision of the database and of this release."""
    database = open_database(settings().database_url)
    try:
        console.print(
            f"database: {migrate.current_revision(database.engine) or '(empty)'}; "
            f"release: {migrate.head_revision()}"
        )
    finally:
        database.dispose()


@app.command("backup")
def backup_command(
    file: Path = typer.Argument(..., help="Where to write the backup."),
) -> None:
    """Copy the database while the service keeps serving (SQLite online backup, pg_dump)."""
    try:
        done = backup.backup(settings().database_url, file)
    except DomainError as error:
        raise fail(describe(error)) from None
    except backup.BackupFailed as error:
        raise fail(str(error)) from None
    console.print(f"Backed up to {done.path} ({done.size:,} bytes, {done.method}).")
    console.print(
        "Keep the secret key (file or APIDESK_SECRET_KEY) with it: subscription keys in the "
        "backup are encrypted with it.",
        highlight=False,
    )


@app.command("restore")
def restore_command(
    file: Path = typer.Argument(..., help="A file written by `apidesk db backup`."),
    replace: bool = typer.Option(False, "--replace", help="Overwrite a database with data."),
) -> None:
    """Load a backup into the configured database. Stop every server of the deployment first."""
    configured = settings()
    try:
        backup.restore(configured.database_url, file, replace=replace)
    except DomainError as error:
        raise fail(describe(error)) from None
    except backup.BackupFailed as error:
        raise fail(str(error)) from None
    database = open_database(configured.database_url)
    try:
        revision = migrate.current_revision(database.engine)
    finally:
        database.dispose()
    console.print(f"Restored {file}; schema at revision {revision}.")
