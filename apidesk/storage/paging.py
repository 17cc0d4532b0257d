"""One way to run a filtered, paged list query."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from apidesk.query import ListQuery, Page
from apidesk.storage.filtering import Column, compile_filter

T = TypeVar("T")


def fetch_page(
    session: Session,
    statement: Select[Any],
    query: ListQuery,
    columns: Mapping[str, Column],
    *,
    order_by: Any,
    rows: bool = False,
) -> Page[T]:
    """One page of `statement`'s entities; with `rows`, of its rows as they are (a statement of
    columns, read without building an ORM entity per row)."""
    if query.filter is not None:
        statement = statement.where(compile_filter(query.filter, columns))
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    paged = statement.order_by(order_by).offset(query.skip).limit(query.top)
    found = session.execute(paged).all() if rows else session.scalars(paged).all()
    items = cast(list[T], list(found))
    return Page(items=items, total=int(total or 0), skip=query.skip, top=query.top)
