"""Signing in with an e-mail address and a password: the rules every web front door shares.

A sign-in is judged in two steps, each in its own unit of work:

1. `check`, in a read-only unit: is the address held back, and is the password right? argon2
   takes its time here, while no database lock is held.
2. `complete`, in a short unit that writes: the account's row is locked first, so sign-ins to
   one account are judged one after another, each seeing the failure counter as the one before
   left it. The outcome is judged again against what may have changed since step 1 (a block
   of the address by parallel guesses, a password reset), then a failure is counted or the
   success recorded.

Both steps answer with a `Refusal` rather than raising, because a refusal still writes (a
failure counts) and the front door must commit that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from apidesk.domain import throttle
from apidesk.domain.context import InstanceContext
from apidesk.domain.users import repository
from apidesk.domain.validation import email_key
from apidesk.storage.models import User


class Reason(StrEnum):
    WRONG = "wrong"
    HELD = "held"
    BLOCKED = "blocked"
    PENDING = "pending"


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in did not happen, in words for the person trying."""

    reason: Reason
    retry_after: timedelta | None = None

    @property
    def message(self) -> str:
        if self.reason is Reason.HELD:
            assert self.retry_after is not None
            seconds = max(1, int(self.retry_after.total_seconds() + 0.999))
            return f"Too many failed sign-ins. Try again in {seconds} second(s)."
        if self.reason is Reason.BLOCKED:
            return "This account is blocked. Contact the API team."
        if self.reason is Reason.PENDING:
            return "This account is not active yet: follow the link in your e-mail."
        return "The e-mail address or the password is wrong."


@dataclass(frozen=True)
class Checked:
    """What step 1 found, carried into step 2."""

    key: str
    user_id: str | None
    genuine: bool
    # Every change of password stamps this; upgrading a hash does not.
    checked_at: datetime | None
    fresh_hash: str | None


def check(ctx: InstanceContext, email: str, password: str) -> Checked | Refusal:
    """Step 1: verify the password without holding a lock."""
    key = email_key(email.strip())
    if not key:
        ctx.runtime.passwords.verify(None, password)  # the same time as a real check
        return Refusal(Reason.WRONG)
    held = throttle.wait(ctx, throttle.SIGN_IN, key)
    if held is not None:
        return Refusal(Reason.HELD, held)
    user = repository.find_by_email(ctx, key)
    hasher = ctx.runtime.passwords
    stored = user.password_hash if user is not None else None
    genuine = hasher.verify(stored, password)
    stale = bool(genuine and stored and hasher.needs_rehash(stored))
    return Checked(
        key=key,
        user_id=user.name if user is not None else None,
        genuine=genuine,
        checked_at=user.password_changed_at if user is not None else None,
        fresh_hash=hasher.hash(password) if stale else None,
    )


def complete(ctx: InstanceContext, checked: Checked) -> User | Refusal:
    """Step 2: judge again under lock and record the outcome."""
    # Locking the counter alone would not do: while it does not exist yet, it locks nothing.
    current = (
        repository.find(ctx, checked.user_id, lock=True) if checked.user_id is not None else None
    )
    held = throttle.wait(ctx, throttle.SIGN_IN, checked.key, lock=True)
    if held is not None:
        # Guesses checked side by side all passed step 1's look at the counter; those that
        # arrive here after it blocked the address are held back, right or wrong.
        return Refusal(Reason.HELD, held)
    # The password checked is the one the account had then: after a reset or a change in
    # between, it no longer opens the account.
    replaced = current is not None and (
        current.password_hash is None or current.password_changed_at != checked.checked_at
    )
    right = current is not None and checked.genuine and not replaced
    if not right:
        throttle.failed_sign_in(ctx, checked.key)
    if current is not None and current.state in (Reason.BLOCKED, Reason.PENDING):
        # The same answer whether or not the password was right: it tells the owner of a
        # blocked or pending account nothing about the password.
        return Refusal(Reason(current.state))
    if current is None or not right:
        return Refusal(Reason.WRONG)
    throttle.signed_in(ctx, checked.key)
    if checked.fresh_hash is not None:
        current.password_hash = checked.fresh_hash
    return current
