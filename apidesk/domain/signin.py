"""Signing in with an e-mail address and a password: the rules every web front door shares.

A sign-in is judged in three steps:

1. `look_up`, in a read-only unit: is the address held back, and whose hash is to be checked?
2. `verify`, outside any unit of work: is the password right? argon2 takes its time here,
   and waits its turn (`PasswordHashing`), while no database connection is held.
3. `complete`, in a short unit that writes: the account's row is locked first, so sign-ins to
   one account are judged one after another, each seeing the failure counter as the one before
   left it. The outcome is judged again against what may have changed since step 1 (a block
   of the address by parallel guesses, a password reset), then a failure is counted or the
   success recorded.

Each step answers with a `Refusal` rather than raising, because a refusal still writes (a
failure counts) and the front door must commit that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from apidesk.domain import throttle
from apidesk.domain.context import InstanceContext
from apidesk.domain.users import repository
from apidesk.domain.validation import sign_in_key
from apidesk.security.passwords import PasswordHashing
from apidesk.storage.models import UserRecord


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
class Found:
    """What step 1 found: the account (if any) whose password step 2 checks."""

    key: str
    user_id: str | None
    stored_hash: str | None
    # Every change of password stamps this; upgrading a hash does not.
    checked_at: datetime | None


@dataclass(frozen=True)
class Checked:
    """What step 2 found, carried into step 3."""

    key: str
    user_id: str | None
    genuine: bool
    checked_at: datetime | None
    fresh_hash: str | None


def look_up(ctx: InstanceContext, email: str) -> Found | Refusal:
    """Step 1, in a read-only unit: the account behind the address, unless it is held back."""
    key = sign_in_key(email)
    if not key:
        return Found(key="", user_id=None, stored_hash=None, checked_at=None)
    held = throttle.wait(ctx, throttle.SIGN_IN, key)
    if held is not None:
        return Refusal(Reason.HELD, held)
    user = repository.credentials_by_email(ctx, key)
    if user is None:
        return Found(key=key, user_id=None, stored_hash=None, checked_at=None)
    return Found(key, user.name, user.password_hash, user.password_changed_at)


def check_password(
    hasher: PasswordHashing, stored: str | None, password: str
) -> tuple[bool, str | None]:
    """Whether `password` matches `stored` (no hash takes as long as a real check), and the
    hash to store instead when the stored one is weaker than the configured parameters. Run
    with no unit of work open: argon2 takes its time. The console's sign-in shares it."""
    genuine = hasher.verify(stored, password)
    stale = bool(genuine and stored and hasher.needs_rehash(stored))
    return genuine, hasher.hash(password) if stale else None


def verify(hasher: PasswordHashing, found: Found, password: str) -> Checked | Refusal:
    """Step 2, with no unit of work open: is the password right? An unknown address takes
    as long as a real check."""
    genuine, fresh_hash = check_password(hasher, found.stored_hash, password)
    if not found.key:
        return Refusal(Reason.WRONG)
    return Checked(found.key, found.user_id, genuine, found.checked_at, fresh_hash)


def complete(ctx: InstanceContext, checked: Checked) -> UserRecord | Refusal:
    """Step 3: judge again under lock and record the outcome. The user signed in, as it is
    now."""
    # Locking the counter alone would not do: while it does not exist yet, it locks nothing.
    current = repository.credentials(ctx, checked.user_id) if checked.user_id is not None else None
    counter = throttle.counter(ctx, throttle.SIGN_IN, checked.key)
    held = throttle.held_back(ctx, counter)
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
    if current is None or not right:
        # A wrong password gets the same answer whatever the account's state, so the form
        # tells nobody which addresses have a blocked or pending account.
        throttle.failed_sign_in(ctx, checked.key)
        return Refusal(Reason.WRONG)
    if current.state in (Reason.BLOCKED, Reason.PENDING):
        # Only the one who knows the password learns why it does not open the account.
        return Refusal(Reason(current.state))
    if counter is not None:
        throttle.forget(ctx, counter)
    if checked.fresh_hash is None:
        return current
    # The row is locked since it was read: its entity tag is still the one read.
    upgraded = repository.write_fields(ctx, current, {"password_hash": checked.fresh_hash})
    assert upgraded is not None
    return upgraded
