"""Subcommands imported only when they run.

`apidesk --help` must not pay for the web app, the database layer or the migrations: each
subcommand is named here with the module that defines it and a one-line summary, and the
module is imported when the command is resolved. The help page uses the summaries.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command

from apidesk.cli.flags import refuse_contradictions
from apidesk.cli.params import plain_values

try:  # Typer carries its own copy of Click; its classes and exceptions are the ones in play.
    from typer import _click as click
except ImportError:  # pragma: no cover - a Typer that uses the Click package
    import click  # type: ignore[no-redef]


@dataclass(frozen=True)
class Lazy:
    """`module:attribute` is a `typer.Typer` (a command group) or a function (one command)."""

    target: str
    summary: str

    def load(self, name: str) -> click.Command:
        module_name, attribute = self.target.split(":")
        found = getattr(importlib.import_module(module_name), attribute)
        command: click.Command
        if isinstance(found, typer.Typer):
            command = typer.main.get_group(found)
        else:
            single = typer.Typer(add_completion=False)
            single.command(name)(found)
            command = get_command(single)
        command.name = name
        plain_values(command)
        refuse_contradictions(command)
        return command


class LazyGroup(TyperGroup):
    """A Typer group whose `lazy` subcommands are imported on first use."""

    lazy: dict[str, Lazy] = {}
    # Where the lazy commands appear in the help: before or after the ones registered directly.
    lazy_first = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: dict[str, click.Command] = {}
        self._summaries_only = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        direct = [name for name in super().list_commands(ctx) if name not in self.lazy]
        return [*self.lazy, *direct] if self.lazy_first else [*direct, *self.lazy]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = self.lazy.get(cmd_name)
        if entry is None:
            return super().get_command(ctx, cmd_name)
        if cmd_name in self._loaded:
            return self._loaded[cmd_name]
        if self._summaries_only:
            return TyperCommand(cmd_name, help=entry.summary, short_help=entry.summary)
        command = self._loaded[cmd_name] = entry.load(cmd_name)
        return command

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._summaries_only = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._summaries_only = False

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        plain_values(self, ctx)
        return super().parse_args(ctx, args)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            name, command, rest = self._click_resolve_command(ctx, args)
            if command is not None:
                plain_values(command, ctx)
            return name, command, rest
        except click.exceptions.UsageError as error:
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches:
                suggestions = ", ".join(repr(match) for match in matches)
                error.message = f"{error.message.rstrip('.')}. Did you mean {suggestions}?"
            raise
