"""Changes that make a user's earlier proofs of identity worthless: a new password, a new
e-mail address, a block. Each one ends every portal session of the user for good: the sessions
are deleted, so activating the user later brings none of them back. Each one also voids every
open one-time link of the user: a link sent to the old address must not act for the new one,
no link acts for a blocked account, and a link asked for before a password changed (a reset,
a change of address, a sign-on) must not outlive the password it was asked for under. A flow
that sets the password through its own link redeems that link first; one that sends a link
after a change (an administrator's reset) issues it after.

Every front door (management API, portal, console, CLI) changes these through here, so none
of them can forget a consequence.
"""

from __future__ import annotations

from collections.abc import Collection

from apidesk.domain import sessions
from apidesk.domain.context import InstanceContext
from apidesk.domain.flows import links
from apidesk.storage.models import User


def set_password(ctx: InstanceContext, user: User, hashed: str | None) -> int:
    """Store a new password hash (None: no password works until one is set through a link).
    Returns how many sessions ended."""
    user.password_hash = hashed
    user.password_changed_at = ctx.now()
    links.void_all(ctx, user)
    return sessions.end_all(ctx, user)


def email_changed(ctx: InstanceContext, user: User) -> int:
    """After the address changed: whoever signed in as the old address is signed out, and the
    links sent to it stop working."""
    links.void_all(ctx, user)
    return sessions.end_all(ctx, user)


def blocked(ctx: InstanceContext, user: User) -> int:
    """After the user was blocked."""
    links.void_all(ctx, user)
    return sessions.end_all(ctx, user)


def lapsed(ctx: InstanceContext, user_ids: Collection[int]) -> int:
    """The same consequences for many users at once (bulk import): they lose their sessions
    and their open links. Returns how many sessions ended."""
    links.void_all_of(ctx, user_ids)
    return sessions.end_all_of(ctx, user_ids)
