"""Name the constraint behind an IntegrityError, whichever database raised it."""

from __future__ import annotations

import re
from functools import cache

from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import IntegrityError

from apidesk.storage.models import Base

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)$")


@cache
def _sqlite_names() -> dict[str, str]:
    """Map SQLite's "table.a, table.b" wording to our constraint names."""
    names: dict[str, str] = {}
    for table in Base.metadata.tables.values():
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint) and constraint.name:
                columns = ", ".join(f"{table.name}.{column.name}" for column in constraint.columns)
                names[columns] = str(constraint.name)
    return names


def constraint_name(error: IntegrityError) -> str | None:
    original = error.orig
    diag = getattr(original, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return str(diag.constraint_name)
    match = _SQLITE_UNIQUE.search(str(original))
    if match:
        return _sqlite_names().get(match.group(1).strip())
    return None
