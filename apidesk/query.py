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


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    skip: int
    top: int
    extras: dict[str, object] = field(default_factory=dict)

    @property
    def has_more(self) -> bool:
        return self.skip + len(self.items) < self.total
