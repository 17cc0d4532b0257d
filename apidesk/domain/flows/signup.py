"""Registration e-mails: the welcome letter, and the confirmation of a self-registered address
(the account stays pending until its link is opened)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from apidesk.domain import audit, throttle
from apidesk.domain.context import InstanceContext
from apidesk.domain.flows import invitation, links
from apidesk.domain.flows.links import LinkState, LinkUnusable, Purpose
from apidesk.domain.notifications import outbox, values
from apidesk.domain.users import repository as users
from apidesk.domain.validation import email_key
from apidesk.storage.models import OneTimeLink, User

WELCOME = "NewDeveloperNotificationMessage"
CONFIRM = "ConfirmSignUpIdentityDefault"
PAGE = "confirm-email"


def welcome(ctx: InstanceContext, user: User) -> None:
    outbox.to_developer(ctx, WELCOME, user, values.developer(ctx, user))


def request_confirmation(ctx: InstanceContext, user: User) -> None:
    lifetime = timedelta(hours=ctx.runtime.settings.confirmation_hours)
    token = links.issue(ctx, user, Purpose.SIGNUP, lifetime)
    filled = values.with_link(values.developer(ctx, user), values.portal_link(ctx, PAGE, token))
    outbox.to_developer(ctx, CONFIRM, user, filled)


def resend(ctx: InstanceContext, email: str, client: str) -> None:
    """A pending account's confirmation again, asked for at sign-in: a new sign-up
    confirmation, or a new invitation for an invited account (either voids the link before).
    Counted like a sign-up, per address and per client; the caller answers the same way
    whatever happened, so nothing tells who is registered."""
    key = email_key(email.strip())
    if not key or not throttle.allow_sign_up(ctx, key, client):
        return
    user = users.find_by_email(ctx, key)
    if user is None or user.state != "pending":
        return
    invited = ctx.session.scalar(
        select(OneTimeLink.purpose)
        .where(
            OneTimeLink.user_id == user.id,
            OneTimeLink.purpose.in_((Purpose.INVITATION.value, Purpose.SIGNUP.value)),
        )
        .order_by(OneTimeLink.id.desc())
        .limit(1)
    )
    if invited == Purpose.INVITATION.value:
        invitation.invite(ctx, user)
    else:
        request_confirmation(ctx, user)
    audit.record(ctx, "user.confirmation-resend", f"users/{user.name}")


def confirm(ctx: InstanceContext, token: str) -> User:
    found = links.open_or_raise(ctx, token, Purpose.SIGNUP)
    assert found.user is not None
    if found.user.state != "pending":
        raise LinkUnusable(LinkState.USED, found.user)
    user = links.redeem_or_raise(ctx, token, Purpose.SIGNUP)
    user.state = "active"
    audit.record(ctx, "user.signup-confirm", f"users/{user.name}", {"state": "active"})
    welcome(ctx, user)
    ctx.session.flush()
    return user
