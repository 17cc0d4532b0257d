"""Console sessions and sign-in of operators.

Sign-in follows the developer portal's three steps (`apidesk.domain.signin`): the operator is
looked up in a read-only unit, the password checked with no unit open (argon2 holds no
connection), the outcome written in a short unit. Failures are counted
per address, known or not, with the same growing waits as the portal's. A developer's address
and password are just a wrong pair here: developer accounts never open the console.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeGuard, cast

from sqlalchemy import bindparam, delete, select

from apidesk.domain import audit
from apidesk.domain.context import Context
from apidesk.domain.operators import service
from apidesk.domain.signin import Reason, Refusal, check_password
from apidesk.domain.throttle import (
    KEY_LENGTH,
    WINDOW,
    Counter,
    blocking,
    counter_columns,
    counting,
    failure_wait,
)
from apidesk.domain.validation import sign_in_key
from apidesk.security import tokens
from apidesk.security.passwords import PasswordHashing
from apidesk.storage.models import Operator, OperatorSession, OperatorThrottle
from apidesk.storage.models.base import Readable

SESSION_HOURS = 8


@dataclass(frozen=True)
class Found:
    """What `look_up` found: the operator (if any) whose password `verify` checks."""

    key: str
    operator_id: int | None
    stored_hash: str | None
    checked_at: datetime | None


@dataclass(frozen=True)
class Checked:
    key: str
    operator_id: int | None
    genuine: bool
    checked_at: datetime | None
    fresh_hash: str | None


# Counted as the portal counts its sign-ins (`throttle.counting`), in a table of its own.
_TABLE = OperatorThrottle.__table__
_BY_KEY = select(*counter_columns(_TABLE)).where(_TABLE.c.key == bindparam("key"))
_BY_KEY_LOCKED = _BY_KEY.with_for_update()
_COUNT = counting(_TABLE, {"key": "key"}, sliding=True)
_BLOCK = blocking(_TABLE)
_FORGET = delete(OperatorThrottle).where(OperatorThrottle.id == bindparam("counter"))


def _counter(ctx: Context, key: str, *, lock: bool = False) -> Counter | None:
    found = ctx.session.connection().execute(
        _BY_KEY_LOCKED if lock else _BY_KEY, {"key": key[:KEY_LENGTH]}
    )
    return cast("Counter | None", found.first())


def _held(ctx: Context, row: Counter | None) -> timedelta | None:
    if row is None or row.blocked_until is None or row.blocked_until <= ctx.now():
        return None
    return row.blocked_until - ctx.now()


def look_up(ctx: Context, email: str) -> Found | Refusal:
    """Step 1, in a read-only unit: the operator behind the address, unless it is held back."""
    key = sign_in_key(email)
    if not key:
        return Found(key="", operator_id=None, stored_hash=None, checked_at=None)
    held = _held(ctx, _counter(ctx, key))
    if held is not None:
        return Refusal(Reason.HELD, held)
    operator = service.find(ctx, key)
    if operator is None:
        return Found(key=key, operator_id=None, stored_hash=None, checked_at=None)
    return Found(key, operator.id, operator.password_hash, operator.password_changed_at)


def verify(hasher: PasswordHashing, found: Found, password: str) -> Checked | Refusal:
    """Step 2, with no unit of work open: is the password right? An unknown address takes
    as long as a real check."""
    genuine, fresh_hash = check_password(hasher, found.stored_hash, password)
    if not found.key:
        return Refusal(Reason.WRONG)
    return Checked(found.key, found.operator_id, genuine, found.checked_at, fresh_hash)


def complete(ctx: Context, checked: Checked) -> Operator | Refusal:
    """Step 2: judge again under lock, record the outcome in the counter and the audit log."""
    current = None
    if checked.operator_id is not None:
        current = ctx.session.scalars(
            select(Operator).where(Operator.id == checked.operator_id).with_for_update()
        ).first()
    counter = _counter(ctx, checked.key, lock=True)
    held = _held(ctx, counter)
    if held is not None:
        return Refusal(Reason.HELD, held)
    right = (
        current is not None
        and checked.genuine
        and current.password_hash is not None
        and current.password_changed_at == checked.checked_at
    )
    if current is None or not right:
        _count_failure(ctx, checked.key)
        audit.record(ctx, "operator.signIn.failed", f"operator/{checked.key[:KEY_LENGTH]}")
        return Refusal(Reason.WRONG)
    if counter is not None:
        ctx.session.connection().execute(_FORGET, {"counter": counter.id})
    if checked.fresh_hash is not None:
        current.password_hash = checked.fresh_hash
    audit.record(ctx, "operator.signIn", f"operator/{current.email}")
    return current


def _count_failure(ctx: Context, key: str) -> None:
    """Count one failure; past the free ones, each doubles the wait (up to a quarter hour).
    A quiet hour forgives the count."""
    now = ctx.now()
    connection = ctx.session.connection()
    values = {"key": key[:KEY_LENGTH], "now": now, "window_start": now - WINDOW}
    row = cast(Counter, connection.execute(_COUNT(connection.dialect.name), values).one())
    wait = failure_wait(row.count)
    if wait is not None:
        connection.execute(_BLOCK, {"counter": row.id, "until": now + wait})


def start_session(ctx: Context, operator: Operator) -> str:
    token = tokens.new_token()
    now = ctx.now()
    ctx.session.add(
        OperatorSession(
            operator_id=operator.id,
            digest=tokens.digest(token),
            created_at=now,
            expires_at=now + timedelta(hours=SESSION_HOURS),
        )
    )
    ctx.session.flush()
    return token


# Built once: a console page asks it on every request, and a statement built once keeps its
# cache key. The session row itself is not loaded, only when it ends; the operator comes as
# columns of the same row, made an entity without the ORM's loading (`as_read`).
_OPERATOR = Readable(Operator)
_SIGNED_IN = (
    select(OperatorSession.expires_at, *_OPERATOR.columns)
    .join(Operator, Operator.id == OperatorSession.operator_id)
    .where(OperatorSession.digest == bindparam("digest"))
)


def may_be_session(token: str | None) -> TypeGuard[str]:
    """Whether `token` could be a session token at all; any other is refused unread."""
    return token is not None and 0 < len(token) <= 200


def operator_of(ctx: Context, token: str | None) -> Operator | None:
    """The operator signed in with this session token, while the session lasts: an entity to
    read, of no session (a change to an operator loads its own)."""
    if not may_be_session(token):
        return None
    found = ctx.session.connection().execute(_SIGNED_IN, {"digest": tokens.digest(token)})
    row = found.first()
    if row is None or row[0] <= ctx.now():
        return None
    return _OPERATOR.entity(row[1:])


def end_session(ctx: Context, token: str | None) -> None:
    if token:
        ctx.session.execute(
            delete(OperatorSession).where(OperatorSession.digest == tokens.digest(token))
        )
