"""Passwords on their way in: checked against the policy and hashed *before* a unit of work
that writes begins, so that no database lock is held while argon2 runs."""

from __future__ import annotations

from dataclasses import dataclass

from apidesk.domain.context import Context, Runtime
from apidesk.storage.models import User


@dataclass(frozen=True)
class PreparedPassword:
    plain: str
    hashed: str
    checked: bool


def prepare(runtime: Runtime, plain: str, hints: tuple[str, ...] = ()) -> PreparedPassword:
    """Check against the policy (with the user's own details as guessable words) and hash."""
    runtime.policy.check(plain, hints=hints)
    return PreparedPassword(plain, runtime.passwords.hash(plain), checked=True)


def hints_of(user: User) -> tuple[str, ...]:
    """A user's own details: words a password of theirs must not lean on."""
    return (user.email, user.first_name, user.last_name)


def for_user(ctx: Context, user: User, password: str | PreparedPassword) -> str:
    """The hash to store for `user`, checking the policy unless that was done already."""
    if isinstance(password, PreparedPassword):
        if not password.checked:
            ctx.runtime.policy.check(password.plain, hints=hints_of(user))
        return password.hashed
    return prepare(ctx.runtime, password, hints_of(user)).hashed
