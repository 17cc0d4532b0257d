"""Name the constraint behind an IntegrityError, whichever database raised it, and turn a
unique or primary-key violation (a writer that lost a race for an id, a name or a link) into
the domain's `Collided` conflict, and a foreign-key violation (a writer that lost a race to a
delete of what it refers to) into `Vanished`, a not-found (`Database.unit_of_work` does, for
every front door).

Every foreign key cascades or sets null on delete (apidesk.storage.models), so a delete never
breaks one: a violation is always a row written with a reference to a row that is gone."""

from __future__ import annotations

import re
from functools import cache

from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from apidesk.errors import Collided, Vanished

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)$")
_PG_UNIQUE = "23505"
_PG_FOREIGN_KEY = "23503"
_SQLITE_FOREIGN_KEY = "FOREIGN KEY constraint failed"
# Unique constraints a racing writer can trip over, and what they mean to a client.
CONSTRAINTS = {
    "uq_users_instance_id_email_key": (
        "IdentifierAlreadyInUse",
        "email",
        "A user with this e-mail address already exists in this service.",
    ),
    "uq_users_instance_id_name_key": (
        "IdentifierAlreadyInUse",
        "userId",
        "A user with this id was created by a concurrent request; read it and retry.",
    ),
    "uq_subscriptions_instance_id_name_key": (
        "IdentifierAlreadyInUse",
        "sid",
        "A subscription with this id was created by a concurrent request; read it and retry.",
    ),
    "uq_subscription_keys_instance_id_digest": (
        "IdentifierAlreadyInUse",
        "primaryKey",
        "That key was just given to another subscription; choose another key.",
    ),
}


@cache
def _sqlite_names() -> dict[str, str]:
    """Map SQLite's "table.a, table.b" wording to our constraint names. `Base` from the
    models package brings every table, so it is asked for at the first violation, not when
    the database layer loads (a CLI command loads only the models it uses)."""
    from apidesk.storage.models import Base

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


def is_unique_violation(error: IntegrityError) -> bool:
    """A unique or primary-key violation (not a foreign key, a NOT NULL or a CHECK)."""
    state = _sqlstate(error)
    if state is not None:
        return state == _PG_UNIQUE
    return _SQLITE_UNIQUE.search(str(error.orig)) is not None


def _sqlstate(error: IntegrityError) -> str | None:
    original = error.orig
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return None if state is None else str(state)


def is_foreign_key_violation(error: IntegrityError) -> bool:
    """A row refers to one that is not there (on SQLite, which says no more, or a delete of
    a row still referred to: no foreign key here allows that)."""
    state = _sqlstate(error)
    if state is not None:
        return state == _PG_FOREIGN_KEY
    return _SQLITE_FOREIGN_KEY in str(error.orig)


def vanished(error: IntegrityError) -> Vanished:
    """The not-found a front door shows for a foreign-key violation. PostgreSQL names the
    constraint, SQLite does not, so the words are the same on both."""
    return Vanished(
        "Something this request refers to was deleted by another change made at the same "
        "time; nothing of this one was kept. Look again and retry."
    )


def translated(error: IntegrityError) -> Collided | Vanished | None:
    """The domain's error for a violation a concurrent writer caused, or None for another
    (NOT NULL, CHECK: a bug, not a race)."""
    if is_unique_violation(error):
        return collided(error)
    if is_foreign_key_violation(error):
        return vanished(error)
    return None


def collided(error: IntegrityError) -> Collided:
    """The conflict a front door shows for a unique violation: in the words of `CONSTRAINTS`
    when the constraint is named there, else a lost race to retry."""
    name = constraint_name(error)
    if name in CONSTRAINTS:
        code, target, message = CONSTRAINTS[name]
        return Collided(message, code=code, target=target)
    return Collided(
        "Another change made at the same time took this first; nothing of this one was "
        "kept. Look again and retry."
    )


def insert_unless_taken(session: Session, row: object) -> bool:
    """Insert `row` in a savepoint and flush it: True when it went in; False when a unique or
    primary key it carries was taken meanwhile by a concurrent writer, and then the row is
    not in the session and the rest of the unit goes on. For an add that is the same success
    when the row is already there (a link, a membership). Any other violation is raised."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as error:
        if not is_unique_violation(error):
            raise
        return False
    return True
