"""Invitations: an administrator invites; the invitee sets a password through a link that works
once, for two days (APIDESK_INVITATION_HOURS), and becomes active."""

from __future__ import annotations

from datetime import datetime, timedelta

from apidesk.domain import audit, passwords
from apidesk.domain.context import InstanceContext
from apidesk.domain.flows import links
from apidesk.domain.flows.links import LinkState, LinkUnusable, Purpose
from apidesk.domain.notifications import outbox, values
from apidesk.domain.passwords import PreparedPassword
from apidesk.errors import Invalid
from apidesk.storage.models import User

TEMPLATE = "InviteUserNotificationMessage"
PAGE = "invitation"


def invite(ctx: InstanceContext, user: User, *, not_before: datetime | None = None) -> None:
    """E-mail a fresh invitation link; any earlier one stops working. `not_before` holds the
    e-mail back until then (bulk invitations are spread out so as not to flood SMTP)."""
    if user.state != "pending":
        raise Invalid.field(
            "state", f"Only pending users can be invited; '{user.name}' is {user.state}."
        )
    lifetime = timedelta(hours=ctx.runtime.settings.invitation_hours)
    if not_before is not None and not_before > ctx.now():
        # The invitee gets the whole lifetime from when the e-mail may leave.
        lifetime += not_before - ctx.now()
    token = links.issue(ctx, user, Purpose.INVITATION, lifetime)
    filled = values.with_link(values.developer(ctx, user), values.portal_link(ctx, PAGE, token))
    outbox.to_developer(ctx, TEMPLATE, user, filled, not_before=not_before)
    audit.record(
        ctx, "user.invite", f"users/{user.name}", {"expiresInHours": lifetime / timedelta(hours=1)}
    )


def invitee(ctx: InstanceContext, token: str) -> User:
    """The user an open invitation link is for; `LinkUnusable` otherwise."""
    found = links.open_or_raise(ctx, token, Purpose.INVITATION)
    assert found.user is not None
    if found.user.state != "pending":
        raise LinkUnusable(LinkState.USED, found.user)
    return found.user


def accept(ctx: InstanceContext, token: str, password: str | PreparedPassword) -> User:
    """Set the password, activate the user and close the link, all or nothing. A password
    prepared beforehand (see `apidesk.domain.passwords`) keeps argon2 out of the write."""
    user = invitee(ctx, token)
    hashed = passwords.for_user(ctx, user, password)
    links.redeem_or_raise(ctx, token, Purpose.INVITATION)
    user.password_hash = hashed
    user.password_changed_at = ctx.now()
    user.state = "active"
    audit.record(ctx, "user.invitation-accept", f"users/{user.name}", {"state": "active"})
    ctx.session.flush()
    return user


def renew(ctx: InstanceContext, token: str) -> User | None:
    """Answer 'send me a new invitation' from a dead link: only a still-pending invitee gets
    one, and only at the address on file, so the link itself grants nothing."""
    found = links.look_up(ctx, token, Purpose.INVITATION)
    if found.state is LinkState.UNKNOWN or found.user is None or found.user.state != "pending":
        return None
    invite(ctx, found.user)
    return found.user
