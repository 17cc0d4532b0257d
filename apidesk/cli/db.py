"""`apidesk db`: schema migrations."""

from __future__ import annotations

import typer

from apidesk.cli.common import console
from apidesk.settings import Settings
from apidesk.storage import migrate
from apidesk.storage.database import open_database

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Create or upgrade the schema."""
    database = open_database(Settings().database_url)
    migrate.upgrade(database.engine, revision)
    console.print(f"Schema at revision {migrate.current_revision(database.engine)}.")


@app.command("current")
def current() -> None:
    """Show the schema revision of the database and of this release."""
    database = open_database(Settings().database_url)
    console.print(
        f"database: {migrate.current_revision(database.engine) or '(empty)'}; "
        f"release: {migrate.head_revision()}"
    )
