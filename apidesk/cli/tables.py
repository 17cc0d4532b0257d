"""Tables that stay readable in an 80-column terminal: no vertical rules, long values folded
onto more lines rather than cut, and every cell shown as plain text (never as markup)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text


def column(header: str, *, fixed: bool = False, ratio: int | None = None) -> Column:
    """A column; `fixed` ones (dates, ids, states) never wrap, the others fold."""
    if fixed:
        return Column(header, no_wrap=True)
    return Column(header, overflow="fold", ratio=ratio)


def table(*columns: Column) -> Table:
    return Table(*columns, box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), show_edge=False)


def cell(value: object) -> Text:
    return Text("" if value is None else str(value))


def changes(values: Mapping[str, Any] | None) -> Text:
    """`name: value` per line, values as JSON unless they are plain text."""
    if not values:
        return Text("")
    lines = []
    for name, value in values.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        lines.append(f"{name}: {shown}")
    return Text("\n".join(lines))


def print_table(console: Console, shown: Table) -> None:
    """Print at its natural width; where that is wider than the terminal, the columns that
    may fold share what is left by their ratios."""
    if console.measure(shown).maximum > console.width:
        shown.expand = True
    console.print(shown)
