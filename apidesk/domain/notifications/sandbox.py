"""What a template may do, and what one render may spend.

airspeed evaluates references with Python's own item and attribute access, so a template must
not be able to call, index, reach a private name or load other templates. `check` walks
airspeed's parse tree, the very structure that will be evaluated, so no spelling trick
(Unicode look-alikes, odd spacing) can slip a construct past it.

Every character a render produces, in its output or in a string it builds, counts against
`MAX_OUTPUT`; every pass through a #foreach body counts against `MAX_LOOP_PASSES`; and a render
stops after `RENDER_SECONDS`. Together they bound a render's time and memory whatever the
template says (nested loops, strings that double with every #set).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import airspeed


class TemplateProblem(ValueError):
    """A template that does not parse, is not allowed, or does not render."""


MAX_OUTPUT = 2_000_000
MAX_LOOP_PASSES = 10_000
RENDER_SECONDS = 1.0


class RenderOverBudget(Exception):
    pass


@dataclass
class Budget:
    characters: int = MAX_OUTPUT
    passes: int = MAX_LOOP_PASSES
    deadline: float = field(default_factory=lambda: time.monotonic() + RENDER_SECONDS)

    def spend_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise RenderOverBudget("the template takes too long to render")


budget: ContextVar[Budget] = ContextVar("template_budget")


class BoundedStream(airspeed.StoppableStream):
    """Where text goes: the output, or a string being interpolated."""

    def write(self, s: str) -> int:
        spent = budget.get()
        spent.characters -= len(s)
        if spent.characters < 0:
            raise RenderOverBudget(f"the template produces more than {MAX_OUTPUT:,} characters")
        spent.spend_time()
        return super().write(s) or 0


class _BoundedInterpolation(airspeed.InterpolatedStringLiteral):
    def calculate(self, namespace: Any, loader: Any) -> str:
        output = BoundedStream()
        self.block.evaluate(output, namespace, loader)
        return output.getvalue()


class _BoundedForeach(airspeed.ForeachDirective):
    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        items = self.value.calculate(namespace, loader)
        # Anything that is not a collection, airspeed's own loop refuses.
        if hasattr(items, "__len__"):
            spent = budget.get()
            spent.passes -= len(items)
            if spent.passes < 0:
                raise RenderOverBudget(
                    f"the template's loops run more than {MAX_LOOP_PASSES:,} times"
                )
        super().evaluate_raw(stream, namespace, loader)


class _BoundedLoopBody(airspeed.Block):
    """The body of a #foreach: each pass looks at the clock, so a loop whose body writes
    nothing still stops in time."""

    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        budget.get().spend_time()
        super().evaluate_raw(stream, namespace, loader)


def _shown(value: Any) -> str:
    """How a value appears in an e-mail: text and numbers as they are, true and false as
    Velocity writes them, and nothing for what has no text of its own (maps, lists, methods):
    their Python spelling must never reach an e-mail."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return ""


class _PlainReference(airspeed.FormalReference):
    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        value = None
        if self.expression is not None:
            value = self.expression.calculate(namespace, loader)
        if value is None and self.alternate is not None:
            value = self.alternate.calculate(namespace, loader)
        if value is None:
            # Velocity shows an unknown reference as written, or nothing with `$!`.
            silent = self.silent and self.expression is not None
            stream.write("" if silent else self.my_text())
            return
        stream.write(_shown(value))


_BOUNDED: dict[type, type] = {
    airspeed.InterpolatedStringLiteral: _BoundedInterpolation,
    airspeed.ForeachDirective: _BoundedForeach,
    airspeed.FormalReference: _PlainReference,
}


def bound(root: airspeed._Element) -> None:
    """Turn a checked parse tree's loops, interpolations and references into the kinds that
    count what they spend and print only plain values. Only our own parse trees change."""
    for node in nodes(root):
        bounded = _BOUNDED.get(type(node))
        if bounded is not None:
            node.__class__ = bounded
        if isinstance(node, airspeed.ForeachDirective) and type(node.block) is airspeed.Block:
            node.block.__class__ = _BoundedLoopBody


_SAFE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*", re.ASCII)
_REFUSED = (
    airspeed.Range,
    airspeed.EvaluateDirective,
    airspeed.MacroDefinition,
    airspeed.MacroCall,
    airspeed.DefineDefinition,
    airspeed.IncludeDirective,
    airspeed.ParseDirective,
    airspeed.UserDefinedDirective,
    airspeed.ParameterList,
    airspeed.ArrayIndex,
    # Lists and maps built in a template can hold themselves: `#set($a = [$a, $a])` doubles
    # with every line, and printing or comparing the result costs that much before a single
    # character reaches the budgeted output.
    airspeed.ArrayLiteral,
    airspeed.DictionaryLiteral,
)
# Comparisons and logic only: arithmetic on strings repeats (`*`), formats (`%`) or grows
# (`+`) them, and templates have no use for numbers.
_OPERATORS = frozenset(
    {"<", "<=", ">", ">=", "==", "!=", "lt", "le", "gt", "ge", "eq", "ne", "&&", "||", "and", "or"}
)


def _safe(name: str, where: airspeed._Element) -> None:
    if not _SAFE_NAME.fullmatch(name):
        raise TemplateProblem(
            f"'{_excerpt(where)}': names are ASCII letters, digits and '_', starting with a letter"
        )


def _excerpt(node: airspeed._Element) -> str:
    text = node.my_text().strip()
    return text if len(text) <= 60 else text[:57] + "..."


def check(root: airspeed._Element) -> None:
    """Refuse anything but values, their plain properties and the basic directives."""
    for node in nodes(root):
        if isinstance(node, _REFUSED):
            kind = type(node).__name__
            raise TemplateProblem(
                f"'{_excerpt(node)}': {kind} is not allowed; templates use values, their "
                "properties, #if, #foreach and #set"
            )
        if isinstance(node, airspeed.NameOrCall):
            _safe(node.name, node)
            if node.parameters is not None or node.index is not None:
                raise TemplateProblem(
                    f"'{_excerpt(node)}': method calls and indexing are not allowed"
                )
        elif isinstance(node, airspeed.SetDirective):
            for term in node.terms:
                _safe(term, node)
        elif isinstance(node, airspeed.ForeachDirective):
            _safe(node.loop_var_name, node)
        elif isinstance(node, airspeed.BinaryOperator):
            operator = node.my_text().strip()
            if operator not in _OPERATORS:
                raise TemplateProblem(
                    f"'{operator}': arithmetic is not allowed; conditions may compare and "
                    "combine values"
                )


def nodes(root: airspeed._Element) -> Iterator[airspeed._Element]:
    """Every element of a parse tree, each once, wherever airspeed keeps it."""
    stack: list[Any] = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
            continue
        # Some nodes keep their child only as a bound method (`calculate = child.calculate`).
        owner = getattr(node, "__self__", None)
        if isinstance(owner, airspeed._Element):
            stack.append(owner)
            continue
        if not isinstance(node, airspeed._Element) or id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        stack.extend(value for key, value in vars(node).items() if not key.startswith("_"))
