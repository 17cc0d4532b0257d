"""Filters of one shape with other values: what a `Listing` runs when it answers a filter with
the statement it built for an earlier one (`apidesk.storage.filtering.filter_values`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from apidesk.query import And, Compare, Filter, Not, Or, TextMatch
from apidesk.storage.filtering import Column, compile_filter, filter_values

_OTHER = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)


def _other(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return type(value)(7)
    if isinstance(value, datetime):
        return _OTHER
    return "zq"  # text: its `startswith` on a key is a range, the shape of most prefixes


def revalued(node: Filter) -> Filter:
    """`node` with every value replaced by another of its type."""
    if isinstance(node, (And, Or)):
        return type(node)(tuple(revalued(item) for item in node.items))
    if isinstance(node, Not):
        return Not(revalued(node.item))
    if isinstance(node, (Compare, TextMatch)):
        return replace(node, value=_other(node.value))
    raise TypeError(node)


def shared_condition(
    node: Filter, columns: Mapping[str, Column], *, indexes: bool = True
) -> tuple[sa.ColumnElement[bool], dict[str, Any]]:
    """The condition a `Listing` would run for `node` after one of its shape with other values
    came first: built from that other filter (when it has the same shape; else from `node`),
    with `node`'s values as the parameters."""
    shape, values = filter_values(node, columns)
    template = revalued(node)
    if filter_values(template, columns)[0] != shape:
        template = node
    return compile_filter(template, columns, indexes=indexes, named=True), values
