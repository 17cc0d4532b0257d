"""Password recovery: a one-time link (one hour, APIDESK_PASSWORD_RESET_MINUTES) to a page
that sets a new password and signs the user out everywhere. No e-mail carries a password.

Anyone can ask for a link with an address (the portal's "forgot password"), so that request
changes nothing else. An administrator's reset is a reset: the old password stops working at
once."""

from __future__ import annotations

from datetime import timedelta

from apidesk.domain import audit, passwords, throttle
from apidesk.domain.context import InstanceContext
from apidesk.domain.flows import links
from apidesk.domain.flows.links import LinkState, LinkUnusable, Purpose
from apidesk.domain.notifications import outbox, values
from apidesk.domain.passwords import PreparedPassword
from apidesk.domain.users import credentials, repository
from apidesk.domain.validation import email_key
from apidesk.errors import Invalid, NotFound
from apidesk.storage.models import User

SELF_SERVICE = "PasswordResetIdentityDefault"
BY_ADMINISTRATOR = "PasswordResetByAdminNotificationMessage"
PAGE = "reset-password"


def _send(ctx: InstanceContext, user: User, template: str) -> None:
    lifetime = timedelta(minutes=ctx.runtime.settings.password_reset_minutes)
    token = links.issue(ctx, user, Purpose.PASSWORD_RESET, lifetime)
    filled = values.with_link(values.developer(ctx, user), values.portal_link(ctx, PAGE, token))
    outbox.to_developer(ctx, template, user, filled)


def request(ctx: InstanceContext, user_id: str, *, by_administrator: bool = False) -> User:
    """Send a reset link. By an administrator (the management API's
    `confirmations/password/send`, the CLI), the reset is one: the old password stops working
    at once and the user's sessions end; only the link sets a new one."""
    user = repository.find(ctx, user_id)
    if user is None:
        raise NotFound(f"User '{user_id}' was not found.")
    if user.state == "blocked":
        raise Invalid.field("userId", f"User '{user.name}' is blocked; activate them first.")
    ended = credentials.set_password(ctx, user, None) if by_administrator else 0
    _send(ctx, user, BY_ADMINISTRATOR if by_administrator else SELF_SERVICE)
    changes: dict[str, object] = {"byAdministrator": by_administrator}
    if by_administrator:
        changes.update({"password": "removed", "sessionsEnded": ended})
    audit.record(ctx, "user.password-reset-request", f"users/{user.name}", changes)
    ctx.session.flush()
    return user


def request_by_email(ctx: InstanceContext, email: str) -> None:
    """The portal's 'forgot password': quietly does nothing for unknown or blocked addresses,
    so the form does not reveal who has an account."""
    user = repository.find_by_email(ctx, email_key(email.strip()))
    if user is None or user.state == "blocked":
        return
    _send(ctx, user, SELF_SERVICE)
    audit.record(
        ctx, "user.password-reset-request", f"users/{user.name}", {"byAdministrator": False}
    )


def account_of(ctx: InstanceContext, token: str) -> User:
    found = links.open_or_raise(ctx, token, Purpose.PASSWORD_RESET)
    assert found.user is not None
    if found.user.state == "blocked":
        # A block voids open links; this holds even for one that escaped it.
        raise LinkUnusable(LinkState.VOIDED, found.user)
    return found.user


def complete(ctx: InstanceContext, token: str, password: str | PreparedPassword) -> User:
    user = account_of(ctx, token)
    hashed = passwords.for_user(ctx, user, password)
    links.redeem_or_raise(ctx, token, Purpose.PASSWORD_RESET)
    ended = credentials.set_password(ctx, user, hashed)
    throttle.forgive_sign_ins(ctx, user.email_key)
    changes: dict[str, object] = {"password": "changed", "sessionsEnded": ended}
    if user.state == "pending":
        # The link reached the mailbox and its reader chose the password: what a confirmed
        # sign-up or an accepted invitation proves, and the new password voided their links.
        user.state = "active"
        changes["state"] = "active"
    audit.record(ctx, "user.password-reset", f"users/{user.name}", changes)
    ctx.session.flush()
    return user
