"""Registration e-mails: the welcome letter, and the confirmation of a self-registered address
(the account stays pending until its link is opened)."""

from __future__ import annotations

from datetime import timedelta

from apidesk.domain import audit
from apidesk.domain.context import InstanceContext
from apidesk.domain.flows import links
from apidesk.domain.flows.links import LinkState, LinkUnusable, Purpose
from apidesk.domain.notifications import outbox, values
from apidesk.storage.models import User

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
