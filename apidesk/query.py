"""What a list request asks for, in terms the domain understands.

The management API turns `$filter`, `$top` and `$skip` into a `ListQuery`; repositories turn
its filter tree into SQL with `apidesk.storage.filtering.compile_filter`. Nothing here knows
the OData syntax.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Generic, Literal, TypeVar

Scalar = str | int | float | bool | datetime | None
CompareOp = Literal["eq", "ne", "gt", "ge", "lt", "le"]
TextFunction = Literal["contains", "startswith", "endswith"]


class FieldKind(Enum):
    TEXT = "text"
    """Compared case-insensitively."""
    DATETIME = "datetime"
    ENUM = "enum"
    """A fixed vocabulary (such as `state`); compared case-insensitively."""
    BOOLEAN = "boolean"


@dataclass(frozen=True)
class Compare:
    field: str
    op: CompareOp
    value: Scalar


@dataclass(frozen=True)
class TextMatch:
    """`contains`, `startswith` or `endswith` (OData's `substringof` becomes `contains`)."""

    function: TextFunction
    field: str
    value: str


@dataclass(frozen=True)
class And:
    items: tuple[Filter, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Filter, ...]


@dataclass(frozen=True)
class Not:
    item: Filter


Filter = Compare | TextMatch | And | Or | Not


@dataclass(frozen=True)
class ListQuery:
    filter: Filter | None = None
    skip: int = 0
    top: int = 100


T = TypeVar("T")


# A list tells how many entries match exactly only up to this many; past it the total is
# unknown (`Page.total` is None and the management API leaves out `count`). Counting every
# match is what made lists slow down as an instance grew: a page reads its own rows, a count
# of a million matches reads a million index entries on every request.
COUNT_LIMIT = 10_000

# What a page of the console counts up to, to say where it stands ("26-50 of 62"). A person
# reads "of more than 1,000" as well as an exact figure, and the count reads a tenth as many
# index entries: at 10,000 users, counting to the API's limit put a third on the CPU time of
# the Users page (docs/benchmarks.md).
BROWSE_COUNT_LIMIT = 1_000


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int | None
    skip: int
    top: int
    extras: dict[str, object] = field(default_factory=dict)
    more: bool | None = None
    """Whether entries follow this page; when None, what `total` says."""

    @property
    def has_more(self) -> bool:
        if self.more is not None:
            return self.more
        return self.total is not None and self.skip + len(self.items) < self.total


def matches(node: Filter, record: dict[str, Scalar]) -> bool:
    """Evaluate a filter against one in-memory record, with the semantics SQL gets from
    `compile_filter`: text compares ignore case, `ne` matches nulls, functions never do."""
    if isinstance(node, And):
        return all(matches(item, record) for item in node.items)
    if isinstance(node, Or):
        return any(matches(item, record) for item in node.items)
    if isinstance(node, Not):
        return not matches(node.item, record)
    value = record.get(node.field)
    if isinstance(node, TextMatch):
        if value is None:
            return False
        haystack, needle = str(value).lower(), node.value.lower()
        if node.function == "contains":
            return needle in haystack
        if node.function == "startswith":
            return haystack.startswith(needle)
        return haystack.endswith(needle)
    expected = node.value
    if expected is None:
        return (value is None) == (node.op == "eq")
    if value is None:
        return node.op == "ne"
    if isinstance(value, str) and isinstance(expected, str):
        value, expected = value.lower(), expected.lower()
    try:
        return {
            "eq": value == expected,
            "ne": value != expected,
            "gt": value > expected,  # type: ignore[operator]
            "ge": value >= expected,  # type: ignore[operator]
            "lt": value < expected,  # type: ignore[operator]
            "le": value <= expected,  # type: ignore[operator]
        }[node.op]
    except TypeError:
        return False
