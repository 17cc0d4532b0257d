"""Entry point: `apidesk <command>`.

Nothing heavy is imported here: each subcommand's module loads when that command runs (see
`apidesk.cli.lazy`), so `apidesk --help` starts as fast as Typer does.
"""

from __future__ import annotations

import gc
import os
import sys

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
    # Click calls it once the subcommand is resolved, so its module and everything that module
    # imports are loaded: see `main`.
    if _imports_uncollected:
        settle_imports()


# Whether `main` turned the cycle collector off for the imports.
_imports_uncollected = False


def settle_imports() -> None:
    """Hand what the imports built to the collector's permanent generation and turn the
    collector back on.

    Modules, classes and SQLAlchemy's tables live as long as the process, but the collector
    walked them while the command's modules loaded and again at exit: about a tenth of the
    instructions of `apidesk users list` (issue 12; docs/benchmarks.md). What the command makes
    is made after this and stays the collector's. Frozen objects are not finalized at exit, and
    with them a SQLite connection stayed open to the end (its -wal and -shm files left behind),
    so `main` closes the command's database itself.
    """
    global _imports_uncollected
    _imports_uncollected = False
    gc.freeze()
    gc.enable()


@app.command("version")
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    global _imports_uncollected
    # Whatever this process creates (the database, its journal files, the key file) is its
    # owner's alone.
    os.umask(0o077)
    # No cycle collection while the command's modules load (`settle_imports`).
    if gc.isenabled():
        gc.disable()
        _imports_uncollected = True
    try:
        app()
    finally:
        common = sys.modules.get("apidesk.cli.common")  # loaded if a command used a database
        if common is not None:
            common.close_runtime()
