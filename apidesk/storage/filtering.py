"""Turns the neutral filter tree (`apidesk.query`) into a SQLAlchemy boolean expression.

Every predicate compiled here is two-valued: TRUE or FALSE for every row, never NULL. That is
what makes `not X` select exactly the rows `X` does not, where SQL's three-valued logic would
drop rows whose column is NULL from both. Concretely, following OData:

- `eq null` / `ne null` are `IS NULL` / `IS NOT NULL`;
- `ne 'x'` also matches rows where the field is NULL;
- every other comparison, and every text function, never matches a NULL field.

Text and enum fields compare case-insensitively by lowering both sides *in the database*, so a
stored value always matches itself even where the database folds fewer characters than Python
does (SQLite's `lower()` folds ASCII only). Ordering (`gt`, `lt`, ...) of text follows the
column's collation.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import String, and_, false, func, literal, not_, or_, true
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

from apidesk.query import And, Compare, FieldKind, Filter, Not, Or, TextMatch


@dataclass(frozen=True)
class Column:
    """What a filter field means in SQL."""

    expression: ColumnElement[Any] | QueryableAttribute[Any]
    """A column, a mapped attribute such as `User.email`, or any SQL expression."""
    kind: FieldKind


_CASE_INSENSITIVE: Final = frozenset({FieldKind.TEXT, FieldKind.ENUM})
_LIKE_ESCAPE: Final = "/"
_COMPARISONS: Final[dict[str, Callable[[Any, Any], ColumnElement[bool]]]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}


def compile_filter(node: Filter, columns: Mapping[str, Column]) -> ColumnElement[bool]:
    """The WHERE clause for `node`; an unknown field raises `KeyError`."""
    if isinstance(node, And):
        return and_(*_compile_all(node.items, columns)) if node.items else true()
    if isinstance(node, Or):
        return or_(*_compile_all(node.items, columns)) if node.items else false()
    if isinstance(node, Not):
        return not_(compile_filter(node.item, columns))
    if isinstance(node, Compare):
        return _compare(node, columns[node.field])
    if isinstance(node, TextMatch):
        return _text_match(node, columns[node.field])
    raise TypeError(f"not a filter node: {node!r}")


def _compile_all(
    items: tuple[Filter, ...], columns: Mapping[str, Column]
) -> list[ColumnElement[bool]]:
    return [compile_filter(item, columns) for item in items]


def _compare(node: Compare, column: Column) -> ColumnElement[bool]:
    expression = column.expression
    if node.value is None:
        if node.op == "eq":
            return expression.is_(None)
        if node.op == "ne":
            return expression.is_not(None)
        raise ValueError(f"null can only be compared with eq or ne, not {node.op!r}")
    if column.kind in _CASE_INSENSITIVE:
        test = _COMPARISONS[node.op](func.lower(expression), _lowered(str(node.value)))
    else:
        test = _COMPARISONS[node.op](expression, node.value)
    if node.op == "ne":
        return or_(expression.is_(None), test)
    return and_(expression.is_not(None), test)


def _text_match(node: TextMatch, column: Column) -> ColumnElement[bool]:
    expression = column.expression
    # The value is escaped here rather than with `autoescape=True` because it is lowered by
    # the database, which autoescape (plain strings only) cannot wrap.
    pattern = _lowered(_escape_like(node.value))
    lowered = func.lower(expression)
    if node.function == "contains":
        test = lowered.contains(pattern, escape=_LIKE_ESCAPE)
    elif node.function == "startswith":
        test = lowered.startswith(pattern, escape=_LIKE_ESCAPE)
    elif node.function == "endswith":
        test = lowered.endswith(pattern, escape=_LIKE_ESCAPE)
    else:
        raise ValueError(f"unknown text function {node.function!r}")
    return and_(expression.is_not(None), test)


def _lowered(value: str) -> ColumnElement[str]:
    return func.lower(literal(value, String()))


def _escape_like(value: str) -> str:
    """`value` with LIKE's wildcards and the escape character matched literally."""
    return (
        value.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
        .replace("%", _LIKE_ESCAPE + "%")
        .replace("_", _LIKE_ESCAPE + "_")
    )
