"""Registration e-mails: the welcome letter, and the confirmation of a self-registered address
(the account stays pending until its link is opened).

Anyone may sign up with any address, so a password typed at sign-up is only the claim of
whoever typed it, and the mailbox's owner must not inherit it unknowingly. A pending
self-registered account therefore holds no password. Each confirmation link carries the
password (its hash) and names of the sign-up that asked for it, and confirming asks for that
password: only someone who both reads the mailbox and typed the password activates the
account with it. An impostor who signs up with the owner's address cannot confirm (the link
goes to the owner), and the owner cannot confirm the impostor's link (they do not know its
password); their own sign-up's link is theirs. No sign-up replaces another's link; opening
one voids the rest (a new password voids every open link, `apidesk.domain.users.credentials`).
"""

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
from apidesk.errors import Invalid
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


APPLICANT = "applicant"
MISMATCH = (
    "That is not the password chosen when this link was asked for. Forgot it? Sign up again "
    "for a new link."
)


def request_confirmation(
    ctx: InstanceContext, user: User, applicant: Applicant | None = None
) -> None:
    """A confirmation link for `user`, carrying `applicant` (a sign-up), or, sent again from
    the sign-in page, the newest sign-up's. It leaves the other links open: nobody's sign-up
    or request closes the link of someone else's."""
    lifetime = timedelta(hours=ctx.runtime.settings.confirmation_hours)
    claimed = asdict(applicant) if applicant is not None else _newest_applicant(ctx, user)
    payload = {APPLICANT: claimed} if claimed else None
    token = links.issue(ctx, user, Purpose.SIGNUP, lifetime, payload, replace=False)
    greeting = values.developer(ctx, user)
    if claimed:
        greeting.update(DevFirstName=claimed["first_name"], DevLastName=claimed["last_name"])
    filled = values.with_link(greeting, values.portal_link(ctx, PAGE, token))
    outbox.to_developer(ctx, CONFIRM, user, filled)


def _newest_applicant(ctx: InstanceContext, user: User) -> dict[str, Any] | None:
    payload = ctx.session.scalar(
        select(OneTimeLink.payload)
        .where(OneTimeLink.user_id == user.id, OneTimeLink.purpose == Purpose.SIGNUP.value)
        .order_by(OneTimeLink.id.desc())
        .limit(1)
    )
    return _applicant_in(payload)


def _applicant_in(payload: dict[str, Any] | None) -> dict[str, Any] | None:
    applicant = (payload or {}).get(APPLICANT)
    return applicant if isinstance(applicant, dict) else None


def self_registered(ctx: InstanceContext, user: User) -> bool:
    """Whether a pending `user` came from the portal's sign-up rather than an invitation: the
    newest link either sent it."""
    return _newest_start(ctx, user) == Purpose.SIGNUP.value


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
    confirmation (beside the open ones), or a new invitation for an invited account (which
    voids the one before).
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


@dataclass(frozen=True)
class Claim:
    """An open confirmation link: the password hash a confirmation must match."""

    stored_hash: str | None


def _open(ctx: InstanceContext, token: str) -> tuple[User, OneTimeLink]:
    found = links.open_or_raise(ctx, token, Purpose.SIGNUP)
    assert found.user is not None and found.link is not None
    if found.user.state != "pending":
        raise LinkUnusable(LinkState.USED, found.user)
    return found.user, found.link


def _stored_hash(user: User, link: OneTimeLink) -> str | None:
    """The password the link's sign-up chose; for a link from before links carried it, the
    account's own."""
    applicant = _applicant_in(link.payload)
    return str(applicant["password_hash"]) if applicant else user.password_hash


def claim(ctx: InstanceContext, token: str) -> Claim:
    """Step 1 of a confirmation, in a read-only unit: what the password typed must match
    (checked with no unit open, `PasswordHashing.verify`)."""
    user, link = _open(ctx, token)
    return Claim(_stored_hash(user, link))


def confirm(ctx: InstanceContext, token: str, claimed: Claim, genuine: bool) -> User:
    """Step 2: with the password proven right for the link, activate the account with that
    password and the link's names, and void every other open link of the account."""
    user, link = _open(ctx, token)
    if not genuine or _stored_hash(user, link) != claimed.stored_hash:
        raise Invalid.field("password", MISMATCH)
    links.redeem_or_raise(ctx, token, Purpose.SIGNUP)
    applicant = _applicant_in(link.payload)
    if applicant:
        user.first_name = applicant["first_name"]
        user.last_name = applicant["last_name"]
    credentials.set_password(ctx, user, claimed.stored_hash)
    user.state = "active"
    throttle.forgive_sign_ins(ctx, user.email_key)
    audit.record(ctx, "user.signup-confirm", f"users/{user.name}", {"state": "active"})
    welcome(ctx, user)
    ctx.session.flush()
    return user
