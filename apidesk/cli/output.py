"""Output shared by the entity commands: a table for people, JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import typer

from apidesk.cli.common import console
from apidesk.query import COUNT_LIMIT

JsonOption = typer.Option(False, "--json", help="Print JSON (for scripts) instead of text.")
LimitOption = typer.Option(100, "--limit", "-n", min=1, max=100000, help="Show at most N.")
YesOption = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")


def when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def table(columns: Sequence[str], rows: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> None:
    """Rows as a table in the house style (see `tables`); None shows as '-'."""
    from apidesk.cli import tables

    shown = tables.table(*(tables.column(title) for title in columns))
    for row in rows:
        shown.add_row(*(tables.cell("-" if row[key] is None else row[key]) for key in keys))
    tables.print_table(console, shown)


def listing(
    rows: list[dict[str, Any]],
    total: int | None,
    noun: str,
    as_json: bool,
    columns: Sequence[tuple[str, str]],
) -> None:
    """A list command's output: a JSON array, or a table and a note when more exist (`total`
    None: more than are counted, see `apidesk.query.COUNT_LIMIT`)."""
    if as_json:
        print_json(rows)
        return
    table([title for title, _ in columns], rows, [key for _, key in columns])
    if total is None:
        console.print(
            f"{len(rows)} {noun} shown of more than {COUNT_LIMIT:,}; raise --limit for more."
        )
    elif total > len(rows):
        console.print(f"{len(rows)} of {total} {noun} shown; raise --limit for more.")


def done(message: str, as_json: bool, data: Any) -> None:
    """What a command that changes something prints: a sentence, or the result as JSON."""
    if as_json:
        print_json(data)
    else:
        console.print(message, highlight=False, markup=False, soft_wrap=True)
