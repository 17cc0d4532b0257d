"""Declarative base and the column types every model shares."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import JSON, DateTime, Index, MetaData, TypeDecorator, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import DeclarativeBase, make_transient_to_detached
from sqlalchemy.sql.base import _DialectArgDict
from sqlalchemy.util import EMPTY_DICT

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC, on every database alike."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


M = TypeVar("M", bound=Base)


class Readable(Generic[M]):
    """Every column of `model`, to select in a statement built once, and the entity of no
    session (`as_read`) that a row of them, in this order, makes."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        attributes = inspect(model).column_attrs
        self.keys = tuple(attribute.key for attribute in attributes)
        self.columns = tuple(attribute.columns[0] for attribute in attributes)

    def entity(self, row: Sequence[Any]) -> M:
        return as_read(self.model, zip(self.keys, row, strict=True))


def as_read(model: type[M], values: Iterable[tuple[str, Any]]) -> M:
    """An entity of `model` from the values of its columns, by attribute name, as a query
    returned them: what the ORM would have loaded, without its loading (about 45 us less per
    entity, on the management API's every call). It belongs to no session and is for reading:
    a change made to it is saved nowhere."""
    entity = cast(M, inspect(model).class_manager.new_instance())
    entity.__dict__.update(values)
    make_transient_to_detached(entity)
    return entity


def new_etag(_current: object = None) -> str:
    """A fresh opaque entity tag: 8 random bytes in base64, as APIM's look."""
    return base64.b64encode(os.urandom(8)).decode("ascii")


def postgresql_index(name: str, *columns: str, **options: Any) -> Index:
    """`Index(name, *columns, postgresql_<option>=value, ...)`, made without importing
    SQLAlchemy's PostgreSQL dialect.

    Given to `Index`, a `postgresql_*` argument makes SQLAlchemy import the dialect to check
    the argument's name: about 25 ms of CPU for every CLI command, on SQLite too (issue 12).
    Here the options are recorded as given (`dialect_kwargs` shows them from the start), and
    the dialect's defaults are looked up, and the names checked, when PostgreSQL's options are
    first read: in DDL for PostgreSQL, or when Alembic compares with a PostgreSQL database,
    where the dialect is loaded anyway. tests/storage/test_postgresql_options.py holds the DDL
    equal to that of a plain `Index`.
    """
    index = Index(name, *columns)
    index.dialect_options["postgresql"] = _DeferredOptions(Index, "postgresql", options)
    return index


class _DeferredOptions(_DialectArgDict):
    """One dialect's options of a construct, whose defaults are read from the dialect on
    first use. Leans on SQLAlchemy's `_DialectArgDict` (2.x), which keeps what was given in
    `_non_defaults` and what the dialect declares in `_defaults`."""

    def __init__(self, owner: type[Index], dialect: str, given: dict[str, Any]) -> None:
        # `_DialectArgDict.__init__` would set the two attributes this class looks up late.
        self._owner, self._dialect = owner, dialect
        self._known: _DialectArgDict | None = None
        self._non_defaults = dict(given)
        self._reflect_only_elements = EMPTY_DICT

    def _load(self) -> _DialectArgDict:
        if self._known is None:
            known = self._owner._kw_reg_for_dialect_cls(self._dialect)
            for name in self._non_defaults:
                if "*" not in known and name not in known:
                    raise ArgumentError(
                        f"Argument '{self._dialect}_{name}' is not accepted by dialect "
                        f"'{self._dialect}' on behalf of {self._owner!r}"
                    )
            self._known = known
        return self._known

    @property
    def _defaults(self) -> dict[str, Any]:  # type: ignore[override]
        return self._load()._defaults

    @property
    def _reflection_only_keys(self) -> frozenset[str]:  # type: ignore[override]
        return self._load()._reflection_only_keys
