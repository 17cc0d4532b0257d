"""`apidesk --help` and everyday commands load only what they use (issue 12: CLI start-up).

Timing is not asserted; what is loaded is. The web app, the server and the migration tool are
what made every command slow, so a command that does not need them must not import them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

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


# `python -X importtime` misses what `importlib.import_module` loads (the lazy subcommands, the
# models), so the list comes from `sys.modules` as the process exits.
_TRACE = """
import atexit, runpy, sys
listing = sys.argv.pop(1)
def _write():
    with open(listing, "w") as out:
        out.write("\\n".join(sorted(sys.modules)))
atexit.register(_write)
runpy.run_module("apidesk", run_name="__main__")
"""


def imported_by(env: dict[str, str], *args: str, tmp_path: Path) -> set[str]:
    """The modules `apidesk ARGS` imports: every module loaded when the process ends."""
    listing = tmp_path / f"modules-{'-'.join(args)}.txt"
    result = subprocess.run(
        [sys.executable, "-c", _TRACE, str(listing), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    names = set(listing.read_text().split())
    assert "apidesk.cli.main" in names  # the list is there, so an absence means something
    return names


def loaded(names: set[str], prefix: str) -> list[str]:
    return sorted(name for name in names if name == prefix or name.startswith(prefix + "."))


# Pydantic came with the settings (pydantic-settings) and with Typer's option adapters; every
# list command now does without it (issue 12, fourth round).
PYDANTIC = ("pydantic", "pydantic_core", "pydantic_settings", "dotenv")


def test_help_loads_neither_the_web_app_nor_the_database_layer(tmp_path: Path) -> None:
    names = imported_by(dict(os.environ), "--help", tmp_path=tmp_path)
    for prefix in (*WEB, *PYDANTIC, "apidesk.api", "sqlalchemy", "alembic", "apidesk.domain"):
        assert loaded(names, prefix) == [], prefix
    assert loaded(names, "apidesk.storage") == []


@pytest.mark.parametrize("entity", ["users", "groups", "products", "subscriptions"])
def test_list_commands_load_no_web_app_and_no_migration_tool(
    server: LiveServer, entity: str, tmp_path: Path
) -> None:
    names = imported_by(server.env, entity, "list", tmp_path=tmp_path)
    assert loaded(names, f"apidesk.domain.{entity}")  # it did its work
    # The schema is current, so Alembic stays unloaded; zxcvbn is for setting passwords.
    for prefix in (*WEB, *PYDANTIC, "alembic", "zxcvbn_rs_py", "apidesk.cli.bulk"):
        assert loaded(names, prefix) == [], prefix
    if server.database_url.startswith("sqlite"):
        assert loaded(names, "psycopg") == []  # the PostgreSQL driver, for a SQLite file
        # nor SQLAlchemy's PostgreSQL dialect, which the prefix indexes' options used to load
        assert loaded(names, "sqlalchemy.dialects.postgresql") == []


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


# What `apidesk users list` does without (issue 12): the flows and their e-mail templates, the
# models of other entities, and Typer's Pydantic adapters for options left as they are.
NOT_FOR_USERS_LIST = (
    "apidesk.domain.flows",
    "apidesk.domain.notifications.render",
    "apidesk.domain.subscriptions.service",
    "apidesk.domain.instances.seed",
    "apidesk.storage.models.subscription",
    "apidesk.storage.models.product",
    "apidesk.storage.models.operator",
    "apidesk.storage.models.mail",
    "apidesk.storage.models.outbox",
    "airspeed",
    "defusedxml",
    "typer._adapters",
    # Hashing and sealing: the runtime holds a `PasswordHashing` and a `SecretBox`, and checks
    # the key's fingerprint, but a list hashes nothing and opens no secret.
    "argon2",
    "bcrypt",
    "cryptography",
    "apidesk.security.hash_formats",
    "zxcvbn_rs_py",
    # E-mail: the mail package, the address checker, the outbox.
    "apidesk.mail",
    "email_validator",
    "apidesk.domain.notifications",
    # The settings are read without pydantic-settings (apidesk/settings.py).
    *PYDANTIC,
)


def test_users_list_loads_only_what_listing_users_needs(server: LiveServer, tmp_path: Path) -> None:
    names = imported_by(server.env, "users", "list", tmp_path=tmp_path)
    assert "apidesk.storage.models.user" in names and "apidesk.domain.users.service" in names
    for prefix in NOT_FOR_USERS_LIST:
        assert loaded(names, prefix) == [], prefix


_AT_EXIT = """
import atexit, gc, runpy, sys
def _report():
    print("collector", gc.isenabled(), gc.get_freeze_count() > 0, file=sys.stderr)
atexit.register(_report)
runpy.run_module("apidesk", run_name="__main__")
"""


def test_a_command_runs_with_the_collector_on_and_the_imports_set_aside(
    server: LiveServer,
) -> None:
    """`apidesk.cli.main` keeps the cycle collector off while the command's modules load, then
    freezes what they built and turns it back on, before the command runs."""
    result = subprocess.run(
        [sys.executable, "-c", _AT_EXIT, "users", "list"],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "collector True True" in result.stderr


@pytest.mark.parametrize("args", [("users", "list"), ("db", "current"), ("token", "list")])
def test_a_command_closes_its_database(args: tuple[str, ...], tmp_path: Path) -> None:
    """The CLI closes its connections when the command ends (frozen imports would otherwise
    keep a SQLite connection open to the end, and its -wal and -shm files behind)."""
    from support.server import cli

    env = {
        **os.environ,
        "APIDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'own.db'}",
        "APIDESK_SECRET_KEY_FILE": str(tmp_path / "own.key"),
    }
    env.pop("APIDESK_SECRET_KEY", None)
    first = cli(env, "users", "list")  # the first start creates the database
    assert first.returncode == 0, first.stderr
    shown = cli(env, *args)
    assert shown.returncode == 0, shown.stderr
    assert sorted(path.name for path in tmp_path.iterdir() if "own.db" in path.name) == [
        "own.db",
        "own.db-turns",
    ]


def test_users_list_options_are_still_checked_by_typer(server: LiveServer) -> None:
    from support.server import cli

    shown = cli(server.env, "users", "list", "--limit", "1", "--state", "active", "--json")
    assert shown.returncode == 0, shown.stderr
    assert len(json.loads(shown.stdout)) == 1
    for value, message in (("0", "greater than or equal to 1"), ("x", "valid integer")):
        refused = cli(server.env, "users", "list", "--limit", value)
        assert refused.returncode == 2
        assert message in " ".join(refused.stderr.replace("│", " ").split()), refused.stderr


def _every_command() -> list[tuple[str, Any]]:
    import typer.main

    found: list[tuple[str, Any]] = []

    def walk(path: str, command: Any) -> None:
        found.append((path, command))
        names = command.lazy if isinstance(command, LazyGroup) else {}
        for name in [*names, *getattr(command, "commands", {})]:
            sub = command.get_command(None, name)
            walk(f"{path} {name}", sub)

    walk("apidesk", typer.main.get_command(app))
    return found


SAMPLES: dict[type, list[Any]] = {
    str: ["x", "", "  spaced  ", "ünïcode", "5"],
    int: [0, 1, -1, 7, 100, 100000, 100001, "5", " 5 ", "x", "1.5", ""],
    bool: [True, False],
}


def _outcome(runtime_param: Any, value: Any, param: Any, ctx: Any) -> tuple[str, Any]:
    from typer import BadParameter

    try:
        return "ok", runtime_param._coerce_value(value, param=param, ctx=ctx)
    except BadParameter as error:
        return "refused", error.message


def test_plain_values_give_what_typer_gives() -> None:
    """Every parameter given the plain coercion, and its `--help`, takes and refuses each
    sample value exactly as Typer's own coercion does."""
    from typer._click import Context
    from typer._coercion import build_runtime_param

    from apidesk.cli.params import PlainRuntimeParam, plain_values

    compared = 0
    for path, command in _every_command():
        ctx = Context(command, info_name=path)
        plain_values(command, ctx)
        params = [*command.params, command.get_help_option(ctx)]
        for param in params:
            if not isinstance(getattr(param, "_runtime_param", None), PlainRuntimeParam):
                continue
            own = build_runtime_param(param.type_descriptor)
            for value in SAMPLES[param.type_descriptor.annotation]:
                plain = _outcome(
                    PlainRuntimeParam(
                        parameter_info=param.type_descriptor.parameter_info,
                        annotation=param.type_descriptor.annotation,
                    ),
                    value,
                    param,
                    ctx,
                )
                assert plain == _outcome(own, value, param, ctx), (path, param.name, value)
                compared += 1
    assert compared > 100  # the walk found the commands and their options
