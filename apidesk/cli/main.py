"""Entry point: `apidesk <command>`."""

from __future__ import annotations

import os

import typer

from apidesk import __version__
from apidesk.cli import audit, bulk, db, outbox, serve, tokens, users

app = typer.Typer(
    name="apidesk",
    help="Apidesk: developer accounts for API programs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.add_typer(db.app, name="db")
app.add_typer(tokens.app, name="token")
bulk.register(users.app)
app.add_typer(users.app, name="users")
app.add_typer(outbox.app, name="outbox")
app.command("audit")(audit.show)


@app.command("version")
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    # Whatever this process creates (the database, its journal files, the key file) is its
    # owner's alone.
    os.umask(0o077)
    app()
