"""Pairs of flags that say opposite things (`--subscription-required/--open`): given both, a
command stops with `error:` and exit status 2, a usage error, before it does anything.

Click lets the last one of such a pair win without a word, so `products create --open
--subscription-required` made a product that needs a subscription. Click's parser keeps no
record of which of the two it saw, so the arguments are read here first, the way the parser
will read them: up to a lone `--`, and with the value of an option that takes one skipped
(`--display-name --open` names a product '--open'; it does not ask for an open one)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Click's classes are read by their attributes: Typer carries its own copy of Click, whose
# classes are not the Click package's.


def _options(command: Any) -> list[Any]:
    return [param for param in command.params if getattr(param, "param_type_name", "") == "option"]


def _pairs(command: Any) -> list[tuple[list[str], list[str]]]:
    return [
        (list(param.opts), list(param.secondary_opts))
        for param in _options(command)
        if param.is_flag and param.secondary_opts
    ]


def _taking_values(command: Any) -> set[str]:
    return {
        name
        for param in _options(command)
        if not param.is_flag and not param.count
        for name in param.opts
    }


def given_options(command: Any, args: list[str]) -> list[str]:
    """The options among `args`, in order, as the parser will read them."""
    valued = _taking_values(command)
    found: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg == "--":
            break
        if arg.startswith("-"):
            found.append(arg.split("=", 1)[0])
            skip = arg in valued
    return found


def contradiction(command: Any, args: list[str]) -> str | None:
    """The refusal for the first pair of which `args` give both flags, or None."""
    given = given_options(command, args)
    for yes, no in _pairs(command):
        said_yes = next((name for name in given if name in yes), None)
        said_no = next((name for name in given if name in no), None)
        if said_yes and said_no:
            return f"{said_yes} and {said_no} contradict each other; give one of them."
    return None


def refuse_contradictions(command: Any) -> None:
    """Check the arguments of `command`, and of each of its subcommands, for both flags of a
    pair before Click parses them."""
    for sub in getattr(command, "commands", {}).values():
        refuse_contradictions(sub)
    if not _pairs(command):
        return
    parse: Callable[[Any, list[str]], list[str]] = command.parse_args

    def checked(ctx: Any, args: list[str]) -> list[str]:
        refusal = contradiction(command, args)
        asks_help = any(name in ctx.help_option_names for name in given_options(command, args))
        if refusal is not None and not asks_help and not ctx.resilient_parsing:
            from apidesk.cli.common import fail  # rich's console: not for `apidesk --help`

            raise fail(refusal, 2)
        return parse(ctx, args)

    command.parse_args = checked
