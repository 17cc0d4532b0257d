"""Registration e-mails: the welcome letter, and the confirmation of a self-registered address
(the account stays pending until its link is opened).

Anyone may sign up with any address, so a pending account's password is only the claim of
whoever typed it. Each confirmation link carries its own applicant's password and names, and
opening it applies those: the owner of the mailbox, by opening the link of their own sign-up,
gets their own password, never one typed by someone who signed up with their address first.
An address signed up for again while pending keeps every applicant's link working (none
replaces another) and its account loses the password it had, so no applicant's password
opens it until a link is opened, nor when an administrator activates it. Opening one voids
the others (a new password voids every open link, `apidesk.domain.users.credentials`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from apidesk.domain import audit, throttle
from apidesk.domain.context import InstanceContext
from apidesk.domain.flows import invitation, links
from apidesk.domain.flows.links import LinkState, LinkUnusable, Purpose
from apidesk.domain.notifications import outbox, values
from apidesk.domain.users import credentials
from apidesk.domain.users import repository as users
from apidesk.domain.validation import email_key
from apidesk.storage.models import OneTimeLink, User

WELCOME = "NewDeveloperNotificationMessage"
CONFIRM = "ConfirmSignUpIdentityDefault"
PAGE = "confirm-email"


def welcome(ctx: InstanceContext, user: User) -> None:
    outbox.to_developer(ctx, WELCOME, user, values.developer(ctx, user))


@dataclass(frozen=True)
class Applicant:
    """Who asked for a confirmation link: what they typed, the password as its hash."""

    password_hash: str
    first_name: str
    last_name: str

    def payload(self) -> dict[str, Any]:
        return {APPLICANT: asdict(self)}


APPLICANT = "applicant"


def request_confirmation(
    ctx: InstanceContext, user: User, applicant: Applicant | None = None
) -> None:
    """A confirmation link for `user`, carrying `applicant` when a sign-up asked for it. A
    sign-up's link leaves the others open, so that signing up with someone's address cannot
    close the link they asked for. A link sent again from the sign-in page carries no
    applicant and replaces the others: opening it keeps the account's own password, which
    is the only applicant's, or none since a second sign-up (`apply_again`)."""
    lifetime = timedelta(hours=ctx.runtime.settings.confirmation_hours)
    payload = applicant.payload() if applicant is not None else None
    token = links.issue(ctx, user, Purpose.SIGNUP, lifetime, payload, replace=applicant is None)
    greeting = values.developer(ctx, user)
    if applicant is not None:
        greeting.update(DevFirstName=applicant.first_name, DevLastName=applicant.last_name)
    filled = values.with_link(greeting, values.portal_link(ctx, PAGE, token))
    outbox.to_developer(ctx, CONFIRM, user, filled)


def self_registered(ctx: InstanceContext, user: User) -> bool:
    """Whether a pending `user` came from the portal's sign-up rather than an invitation: the
    newest link either sent it."""
    return _newest_start(ctx, user) == Purpose.SIGNUP.value


def apply_again(ctx: InstanceContext, user: User, applicant: Applicant) -> None:
    """A pending self-registered address signed up for again: the account's password goes,
    as it may be anyone's, and the new applicant gets a link of their own."""
    user.password_hash = None
    user.password_changed_at = ctx.now()
    request_confirmation(ctx, user, applicant)


def _newest_start(ctx: InstanceContext, user: User) -> str | None:
    return ctx.session.scalar(
        select(OneTimeLink.purpose)
        .where(
            OneTimeLink.user_id == user.id,
            OneTimeLink.purpose.in_((Purpose.INVITATION.value, Purpose.SIGNUP.value)),
        )
        .order_by(OneTimeLink.id.desc())
        .limit(1)
    )


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
    if _newest_start(ctx, user) == Purpose.INVITATION.value:
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
    assert found.link is not None
    applicant = found.link.payload.get(APPLICANT) if found.link.payload else None
    if applicant:
        # This link's own applicant, who has now shown they read the mailbox; every other
        # open link of the account goes with the password it replaces.
        user.first_name = applicant["first_name"]
        user.last_name = applicant["last_name"]
        credentials.set_password(ctx, user, applicant["password_hash"])
    user.state = "active"
    audit.record(ctx, "user.signup-confirm", f"users/{user.name}", {"state": "active"})
    welcome(ctx, user)
    ctx.session.flush()
    return user
