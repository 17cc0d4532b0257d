"""The audit log: an append-only record of every change, written in the change's transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

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
    instance_name = ctx.instance.name if isinstance(ctx, InstanceContext) else None
    ctx.session.add(
        AuditEvent(
            instance_name=instance_name,
            at=ctx.now(),
            actor=ctx.actor,
            action=action,
            target=target,
            changes=_clean(changes or {}),
        )
    )


_INSERT = insert(AuditEvent)


def record_now(
    ctx: Context,
    action: str,
    target: str,
    changes: Mapping[str, Any] | None = None,
) -> None:
    """`record`, written at once through the connection rather than at the next flush: the
    same row, for the hot writes that do without the ORM's flush."""
    instance_name = ctx.instance.name if isinstance(ctx, InstanceContext) else None
    row = {
        "instance_name": instance_name,
        "at": ctx.now(),
        "actor": ctx.actor,
        "action": action,
        "target": target,
        "changes": _clean(changes or {}),
    }
    ctx.session.connection().execute(_INSERT, row)


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
