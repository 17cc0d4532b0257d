"""Plain option values without Pydantic (issue 12, CLI start-up).

Typer checks every parameter value with a Pydantic `TypeAdapter` it builds on first use:
loading that machinery and building an adapter per option costs `apidesk users list` more
than its query does. Most values need no check: a text option given as text, or a number
option left at its default. For a `str` or `int` parameter with no parser of its own, such a
value passes through as it is, which is exactly what Typer's adapter returns for it; any
other value (a number typed on the command line, one out of range) goes to Typer's own
check, so what is accepted and every error message stay Typer's.

This leans on Typer internals (`_TyperParameter._runtime_param`, `RuntimeParam`); with a
Typer that lacks them, `plain_values` does nothing and Typer checks everything itself.
`tests/cli/test_startup.py` compares the results with Typer's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

try:
    from typer._coercion import RuntimeParam, build_runtime_param
    from typer.core import _TyperParameter
except ImportError:  # pragma: no cover - a Typer without runtime coercion
    RuntimeParam = None  # type: ignore[assignment,misc]


def _passes(annotation: Any, info: Any, value: Any) -> bool:
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is str:
        return isinstance(value, str)
    if annotation is int and type(value) is int:
        low, high = getattr(info, "min", None), getattr(info, "max", None)
        return (low is None or value >= low) and (high is None or value <= high)
    return False


if RuntimeParam is not None:

    @dataclass(frozen=True)
    class PlainRuntimeParam(RuntimeParam):
        """Lets plain values through; hands anything else to Typer's own coercion."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if _passes(self.annotation, self.parameter_info, value):
                return value
            real = build_runtime_param(param.type_descriptor)
            param._runtime_param = real
            return real._coerce_value(value, param=param, ctx=ctx)


def eligible(param: Any) -> bool:
    """A `bool`, `str` or `int` parameter whose values Typer would check with a plain adapter."""
    if RuntimeParam is None or not isinstance(param, _TyperParameter):
        return False
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "_runtime_param", "absent") is not None:
        return False
    info = descriptor.parameter_info
    return (
        descriptor.annotation in (bool, str, int)
        and descriptor.file_annotation is None
        and getattr(info, "parser", None) is None
        and getattr(info, "click_type", None) is None
        and not param.multiple
        and param.nargs == 1
    )


def plain_values(command: Any, ctx: Any = None) -> None:
    """Install the plain coercion on `command`'s parameters and its subcommands'. With `ctx`
    (the context the command runs in, or its parent's, whose help option names it inherits),
    on its `--help` option too: Typer makes that one on first use."""
    if RuntimeParam is None:
        return
    params = list(getattr(command, "params", ()))
    inherits = "help_option_names" not in (getattr(command, "context_settings", None) or {})
    if ctx is not None and inherits:
        params.append(command.get_help_option(ctx))
    for param in params:
        if eligible(param):
            descriptor = param.type_descriptor
            param._runtime_param = PlainRuntimeParam(
                parameter_info=descriptor.parameter_info, annotation=descriptor.annotation
            )
    for sub in getattr(command, "commands", {}).values():
        # A subcommand's context inherits the help option names of its group's.
        plain_values(sub, ctx if inherits else None)
