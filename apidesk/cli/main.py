"""Entry point: `apidesk <command>`.

Nothing heavy is imported here: each subcommand's module loads when that command runs (see
`apidesk.cli.lazy`), so `apidesk --help` starts as fast as Typer does.
"""

from __future__ import annotations

import os

import typer

from apidesk import __version__
from apidesk.cli.lazy import Lazy, LazyGroup


class Commands(LazyGroup):
    lazy = {
        "serve": Lazy(
            "apidesk.cli.serve:serve",
            "Run the management API and the other front doors on one port.",
        ),
        "db": Lazy("apidesk.cli.db:app", "Database schema."),
        "token": Lazy("apidesk.cli.tokens:app", "Admin tokens for the management API."),
        "users": Lazy("apidesk.cli.users:app", "Developer accounts."),
        "groups": Lazy("apidesk.cli.groups:app", "Groups of users and their members."),
        "products": Lazy("apidesk.cli.products:app", "Products: what developers subscribe to."),
        "subscriptions": Lazy("apidesk.cli.subscriptions:app", "Subscriptions and their keys."),
        "outbox": Lazy("apidesk.cli.outbox:app", "The e-mail outbox."),
        "operator": Lazy(
            "apidesk.cli.operators:app", "Operators: who signs in to the admin console."
        ),
        "audit": Lazy(
            "apidesk.cli.audit:show",
            "Show the newest audit events: who changed what, and when (--json for every field).",
        ),
    }


app = typer.Typer(
    name="apidesk",
    help="Apidesk: developer accounts for API programs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=Commands,
)


@app.callback()
def root() -> None:
    # A callback keeps `apidesk` a command group even while only `version` is registered here.
    pass


@app.command("version")
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    # Whatever this process creates (the database, its journal files, the key file) is its
    # owner's alone.
    os.umask(0o077)
    app()
