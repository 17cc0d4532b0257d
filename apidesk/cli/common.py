"""What every command needs: settings, a prepared runtime, a unit of work, error output."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.text import Text

from apidesk.errors import DomainError, Invalid, NotFound

if TYPE_CHECKING:
    from apidesk.domain.context import Context, InstanceContext, Runtime
    from apidesk.settings import Settings

# The domain, the database layer and the settings are imported inside the functions that need
# them: every command imports this module, and `apidesk --help` must stay fast.

# What the commands print is data (names, addresses, paths), never markup or emoji codes: a
# file named `a[/].csv` would otherwise stop a command with a markup error, and a user named
# `:smile:` print as a face. The few styled lines say `markup=True` and escape what they
# put in.
console = Console(markup=False, emoji=False)
errors = Console(stderr=True, markup=False, emoji=False)


def actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def fail(message: str, code: int = 1) -> typer.Exit:
    # One line however long (scripts read it), and the message as text, never as markup.
    errors.print(Text.assemble(("error:", "bold red"), " ", message), soft_wrap=True)
    return typer.Exit(code)


def describe(error: DomainError) -> str:
    if isinstance(error, Invalid) and error.problems:
        return "; ".join(f"{p.target}: {p.message}" for p in error.problems)
    return error.message


_runtime: Runtime | None = None


def settings() -> Settings:
    """The deployment's settings (`APIDESK_*`). One that cannot be read stops the command with
    `error:`, the variable and what is wrong with it, never a traceback; the value itself is
    not repeated (it may be a secret)."""
    from apidesk.settings import Settings

    try:
        return Settings()
    except ValueError as error:  # Pydantic's ValidationError is one
        raise fail(settings_problem(error)) from None


def settings_problem(error: ValueError) -> str:
    """What is wrong with the settings, a variable at a time."""
    problems = getattr(error, "errors", None)
    if not callable(problems):
        return f"a setting cannot be read: {error}"
    said = []
    for problem in problems():
        where = "_".join(str(part) for part in problem.get("loc", ())).upper()
        said.append(
            f"APIDESK_{where}: {problem.get('msg', 'not valid')}"
            if where
            else problem.get("msg", "")
        )
    return "; ".join(said) or f"a setting cannot be read: {error}"


def runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        from apidesk.bootstrap import build_runtime, prepare
        from apidesk.security.secretbox import SecretKeyError

        try:
            _runtime = build_runtime(settings())
            result = prepare(_runtime)
        except SecretKeyError as error:
            close_runtime()
            raise fail(str(error)) from None
        if result.created_default is not None:
            from apidesk.cli.banner import first_start

            first_start(_runtime, result.created_default, _runtime.settings.public_url)
    return _runtime


def close_runtime() -> None:
    """Close the database the command opened (its pool, the SQLite write-turn file): the
    connections are closed when the command ends, not whenever the collector finds them."""
    global _runtime
    if _runtime is not None:
        _runtime.database.dispose()
        _runtime = None


@contextmanager
def unit_of_work() -> Iterator[Context]:
    """A committed unit of work; domain errors become a message and exit code 1."""
    from apidesk.domain.context import Context

    rt = runtime()
    try:
        with rt.database.unit_of_work() as session:
            yield Context(runtime=rt, session=session, actor=actor())
    except DomainError as error:
        raise fail(describe(error)) from None


def found(get_or_raise: Callable[..., object], *args: object) -> bool:
    """Whether a service's `get_or_raise` finds the entity (create commands refuse to overwrite)."""
    try:
        get_or_raise(*args)
    except NotFound:
        return False
    return True


def pick_instance(ctx: Context, name: str | None) -> InstanceContext:
    """The named instance, or the only one, or the default one."""
    from apidesk.domain.context import InstanceContext
    from apidesk.domain.instances import service as instances

    if name:
        instance = instances.find_by_name(ctx, name)
        if instance is None:
            raise fail(f"there is no service named '{name}'")
        return InstanceContext.of(ctx, instance)
    every = instances.list_all(ctx)
    if len(every) == 1:
        return InstanceContext.of(ctx, every[0])
    default = instances.find_by_name(ctx, ctx.runtime.settings.default_service_name)
    if default is not None:
        return InstanceContext.of(ctx, default)
    if not every:
        raise fail("there is no service yet; create one with the management API")
    names = ", ".join(item.name for item in every)
    raise fail(f"several services exist ({names}); choose one with --service")


ServiceOption = typer.Option(None, "--service", "-s", help="Service instance name.")
