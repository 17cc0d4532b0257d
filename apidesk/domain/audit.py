"""The audit log: an append-only record of every change, written in the change's transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, insert, select

from apidesk.domain.context import Context, InstanceContext
from apidesk.storage.models import AuditEvent

# Field names whose values never enter the log; the log records only that they changed.
SECRET_FIELDS = frozenset(
    {"password", "primaryKey", "secondaryKey", "validationKey", "token", "key"}
)
REDACTED = "[redacted]"


def _clean(changes: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        if name in SECRET_FIELDS:
            cleaned[name] = REDACTED
        elif isinstance(value, datetime):
            cleaned[name] = value.isoformat()
        elif isinstance(value, Mapping):
            cleaned[name] = _clean(value)
        else:
            cleaned[name] = value
    return cleaned


def record(
    ctx: Context,
    action: str,
    target: str,
    changes: Mapping[str, Any] | None = None,
) -> None:
    ctx.session.add(AuditEvent(**_row(ctx, action, target, changes)))


_INSERT = insert(AuditEvent)
_COLUMNS = ("instance_name", "at", "actor", "action", "target", "changes")


def _row(
    ctx: Context, action: str, target: str, changes: Mapping[str, Any] | None
) -> dict[str, Any]:
    return {
        "instance_name": ctx.instance.name if isinstance(ctx, InstanceContext) else None,
        "at": ctx.now(),
        "actor": ctx.actor,
        "action": action,
        "target": target,
        "changes": _clean(changes or {}),
    }


@dataclass(frozen=True)
class Event:
    """An event to record with the write that makes it (`riding`): its action, its changes,
    and the prefix of its target, which the written row's name completes."""

    action: str
    target_prefix: str
    changes: Mapping[str, Any]

    def params(self, ctx: Context) -> dict[str, Any]:
        """The values `riding`'s statement takes for the event."""
        row = _row(ctx, self.action, self.target_prefix, self.changes)
        return {f"a_{name}": value for name, value in row.items()}

    def record(self, ctx: Context, name: str) -> None:
        """The event for the row named `name`, written at once by a statement of its own
        rather than at the next flush (as `record` does), for the hot writes that do without
        the ORM's flush."""
        row = _row(ctx, self.action, self.target_prefix + name, self.changes)
        ctx.session.connection().execute(_INSERT, row)


@cache
def riding(statement: Any) -> Any:
    """`statement`, a write that returns the rows it writes (with a `name` column), made to
    record an `Event` for each of them in the same statement (PostgreSQL's data-modifying
    WITH): one round trip fewer, and the write and its record stand or fall together. The
    statement returns what `statement` returns; its parameters and `Event.params`."""
    written = statement.cte("written")
    table = AuditEvent.__table__
    values: list[Any] = [bindparam(f"a_{name}", type_=table.c[name].type) for name in _COLUMNS]
    values[_COLUMNS.index("target")] += written.c.name
    logged = insert(AuditEvent).from_select(_COLUMNS, select(*values).select_from(written))
    return select(written).add_cte(logged.cte("logged"))


@dataclass(frozen=True)
class AuditQuery:
    instance_name: str | None = None
    action_prefix: str | None = None
    target_contains: str | None = None
    target: str | None = None
    actor_contains: str | None = None
    since: datetime | None = None
    limit: int = 50


def search(ctx: Context, query: AuditQuery) -> Sequence[AuditEvent]:
    statement = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(query.limit)
    if query.instance_name is not None:
        statement = statement.where(AuditEvent.instance_name == query.instance_name)
    if query.action_prefix:
        statement = statement.where(AuditEvent.action.startswith(query.action_prefix))
    if query.target_contains:
        statement = statement.where(
            AuditEvent.target.contains(query.target_contains, autoescape=True)
        )
    if query.actor_contains:
        statement = statement.where(
            AuditEvent.actor.contains(query.actor_contains, autoescape=True)
        )
    if query.target is not None:
        statement = statement.where(AuditEvent.target == query.target)
    if query.since is not None:
        statement = statement.where(AuditEvent.at >= query.since)
    return ctx.session.scalars(statement).all()
