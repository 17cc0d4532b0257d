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
from typing import TypeGuard

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError

from apidesk.domain import audit
from apidesk.domain.context import Context
from apidesk.domain.operators import service
from apidesk.domain.signin import Reason, Refusal, check_password
from apidesk.domain.throttle import FREE_SIGN_IN_FAILURES, KEY_LENGTH, LONGEST_WAIT, WINDOW
from apidesk.domain.validation import email_key
from apidesk.security import tokens
from apidesk.security.passwords import PasswordHashing
from apidesk.storage.models import Operator, OperatorSession, OperatorThrottle
from apidesk.storage.models.base import as_read, column_keys

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


def _counter(ctx: Context, key: str, *, lock: bool = False) -> OperatorThrottle | None:
    query = select(OperatorThrottle).where(OperatorThrottle.key == key[:KEY_LENGTH])
    return ctx.session.scalars(query.with_for_update() if lock else query).first()


def _held(ctx: Context, key: str, *, lock: bool = False) -> timedelta | None:
    row = _counter(ctx, key, lock=lock)
    if row is None or row.blocked_until is None or row.blocked_until <= ctx.now():
        return None
    return row.blocked_until - ctx.now()


def look_up(ctx: Context, email: str) -> Found | Refusal:
    """Step 1, in a read-only unit: the operator behind the address, unless it is held back."""
    key = email_key(email.strip())
    if not key:
        return Found(key="", operator_id=None, stored_hash=None, checked_at=None)
    held = _held(ctx, key)
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
    held = _held(ctx, checked.key, lock=True)
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
    ctx.session.execute(
        delete(OperatorThrottle).where(OperatorThrottle.key == checked.key[:KEY_LENGTH])
    )
    if checked.fresh_hash is not None:
        current.password_hash = checked.fresh_hash
    audit.record(ctx, "operator.signIn", f"operator/{current.email}")
    return current


def _count_failure(ctx: Context, key: str) -> None:
    """Count one failure; past the free ones, each doubles the wait (up to a quarter hour).
    A quiet hour forgives the count."""
    now = ctx.now()
    row = _counter(ctx, key, lock=True)
    if row is None:
        try:
            with ctx.session.begin_nested():
                row = OperatorThrottle(
                    key=key[:KEY_LENGTH], count=0, window_started_at=now, blocked_until=None
                )
                ctx.session.add(row)
        except IntegrityError:
            row = _counter(ctx, key, lock=True)
            assert row is not None
    if row.count and row.window_started_at + WINDOW <= now:
        row.count, row.blocked_until = 0, None
    row.count += 1
    row.window_started_at = now
    beyond = row.count - FREE_SIGN_IN_FAILURES
    if beyond > 0:
        row.blocked_until = now + min(timedelta(seconds=2 ** min(beyond - 1, 20)), LONGEST_WAIT)
    ctx.session.flush()


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
_OPERATOR = column_keys(Operator)
_SIGNED_IN = (
    select(OperatorSession.expires_at, *(column for _, column in _OPERATOR))
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
    return as_read(Operator, zip((key for key, _ in _OPERATOR), row[1:], strict=True))


def end_session(ctx: Context, token: str | None) -> None:
    if token:
        ctx.session.execute(
            delete(OperatorSession).where(OperatorSession.digest == tokens.digest(token))
        )
