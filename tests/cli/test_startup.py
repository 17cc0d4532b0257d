"""`apidesk --help` and everyday commands load only what they use (issue 12: CLI start-up).

Timing is not asserted; what is loaded is. The web app, the server and the migration tool are
what made every command slow, so a command that does not need them must not import them.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from support.server import LiveServer

from apidesk.cli.lazy import LazyGroup
from apidesk.cli.main import app

WEB = (
    "fastapi",
    "starlette",
    "uvicorn",
    "apidesk.app",
    "apidesk.api.management.routes",
    "apidesk.api.management.envelope",
    "apidesk.portal",
)


def imported_by(env: dict[str, str], *args: str) -> set[str]:
    """The modules `apidesk ARGS` imports, from Python's own import trace."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "apidesk", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    assert "apidesk.cli.main" in names  # the trace is there, so an absence means something
    return names


def loaded(names: set[str], prefix: str) -> list[str]:
    return sorted(name for name in names if name == prefix or name.startswith(prefix + "."))


def test_help_loads_neither_the_web_app_nor_the_database_layer() -> None:
    names = imported_by(dict(os.environ), "--help")
    for prefix in (*WEB, "apidesk.api", "sqlalchemy", "alembic", "apidesk.domain"):
        assert loaded(names, prefix) == [], prefix
    assert loaded(names, "apidesk.storage") == []


@pytest.mark.parametrize("entity", ["users", "groups", "products", "subscriptions"])
def test_list_commands_load_no_web_app_and_no_migration_tool(
    server: LiveServer, entity: str
) -> None:
    names = imported_by(server.env, entity, "list")
    assert loaded(names, f"apidesk.domain.{entity}")  # it did its work
    # The schema is current, so Alembic stays unloaded; zxcvbn is for setting passwords.
    for prefix in (*WEB, "alembic", "zxcvbn", "apidesk.cli.bulk"):
        assert loaded(names, prefix) == [], prefix
    if server.database_url.startswith("sqlite"):
        assert loaded(names, "psycopg") == []  # the PostgreSQL driver, for a SQLite file


def _lazy_groups() -> list[tuple[str, LazyGroup]]:
    import typer.main

    root = typer.main.get_command(app)
    assert isinstance(root, LazyGroup)
    found = [("apidesk", root)]
    for name in root.lazy:
        command = root.get_command(None, name)  # type: ignore[arg-type]
        if isinstance(command, LazyGroup):
            found.append((name, command))
    return found


@pytest.mark.parametrize("group", [name for name, _ in _lazy_groups()])
def test_help_summaries_match_the_commands_they_stand_for(group: str) -> None:
    """The help page shows a summary kept beside the command's name: it must say what the
    command's own help says."""
    [lazy] = [found for name, found in _lazy_groups() if name == group]
    for name, entry in lazy.lazy.items():
        real = entry.load(name)
        assert (real.help or "").split("\n\n")[0].replace("\n", " ").strip() == entry.summary, name
        # Loaded on its own, a command must not grow options the whole app does not have.
        assert not any("completion" in (param.name or "") for param in real.params), name
