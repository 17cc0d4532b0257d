"""Statements that only one database's dialect can build (an insert with `ON CONFLICT`), made
for the dialect in use when first needed. SQLAlchemy's PostgreSQL dialect is a sizeable import
that a command working on a SQLite file does without (issue 12, CLI start-up)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

DIALECTS = ("sqlite", "postgresql")


def insert_for(dialect: str) -> Callable[[Any], Any]:
    """`insert` of SQLAlchemy's dialect named `dialect`, with its `on_conflict_*` methods."""
    if dialect not in DIALECTS:
        raise ValueError(f"no upsert for the {dialect!r} dialect")
    insert: Callable[[Any], Any] = import_module(f"sqlalchemy.dialects.{dialect}").insert
    return insert
