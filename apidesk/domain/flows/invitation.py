"""Invitations: an administrator invites; the invitee sets a password through a link that works
once, for two days (APIDESK_INVITATION_HOURS), and becomes active."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from apidesk.domain import audit, passwords, throttle
from apidesk.domain.context import InstanceContext
from apidesk.domain.flows import links
from apidesk.domain.flows.links import LinkState, LinkUnusable, Purpose
from apidesk.domain.notifications import outbox, values
from apidesk.domain.passwords import PreparedPassword
from apidesk.domain.users import credentials
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
    credentials.set_password(ctx, user, hashed)
    user.state = "active"
    audit.record(ctx, "user.invitation-accept", f"users/{user.name}", {"state": "active"})
    ctx.session.flush()
    return user


class Standing(StrEnum):
    """What a link that no longer works can still do."""

    RENEWABLE = "renewable"  # the latest link of a still-pending invitee: a new one may be sent
    ACCEPTED = "accepted"  # the account is active: sign in instead
    SUPERSEDED = "superseded"  # a newer invitation was sent: that one is to be used
    DEAD = "dead"  # nothing to be done with it


@dataclass(frozen=True)
class DeadLink:
    state: LinkState
    standing: Standing


def dead_link(ctx: InstanceContext, token: str) -> DeadLink:
    """What a link that cannot be accepted (any more) still means to whoever holds it."""
    found = links.look_up(ctx, token, Purpose.INVITATION)
    state = found.state
    if found.link is None or found.user is None:
        return DeadLink(LinkState.UNKNOWN, Standing.DEAD)
    if found.user.state == "active":
        return DeadLink(state, Standing.ACCEPTED)
    if found.user.state != "pending":
        return DeadLink(state, Standing.DEAD)
    if not links.is_latest(ctx, found.link):
        return DeadLink(LinkState.REPLACED, Standing.SUPERSEDED)
    if found.state in (LinkState.EXPIRED, LinkState.VOIDED):
        return DeadLink(state, Standing.RENEWABLE)
    return DeadLink(state, Standing.DEAD)


class Renewal(StrEnum):
    SENT = "sent"
    HELD = "held"  # asked too often, for this invitee or from this address
    REFUSED = "refused"  # this link may not ask (see `Standing`)


def renew(ctx: InstanceContext, token: str, client: str) -> tuple[Renewal, DeadLink]:
    """Answer 'send me a new invitation' from a dead link. Only the latest link of a
    still-pending invitee may ask, and a new link goes only to the address on file, so the
    old link itself grants nothing; asking is limited per invitee and per client address."""
    dead = dead_link(ctx, token)
    if dead.standing is not Standing.RENEWABLE:
        return Renewal.REFUSED, dead
    found = links.look_up(ctx, token, Purpose.INVITATION)
    assert found.user is not None
    if not throttle.allow_invitation_renewal(ctx, found.user.name_key, client):
        return Renewal.HELD, dead
    invite(ctx, found.user)
    return Renewal.SENT, dead
