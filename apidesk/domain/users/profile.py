"""A developer's own account, as the portal's Profile page changes it: the name, the e-mail
address (confirmed from the new address first), the password, and closing the account.

Whatever needs the current password is judged in two steps, as a sign-in is
(apidesk.domain.signin): `prove` checks the password in a read-only unit, while no lock is
held; the change then runs in a short unit that locks the account and makes sure the
password has not changed in between. Wrong passwords count against the address like failed
sign-ins, so the page is no way around the sign-in throttle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from apidesk.domain import audit, throttle, validation
from apidesk.domain.context import InstanceContext
from apidesk.domain.flows import links
from apidesk.domain.flows.links import Purpose
from apidesk.domain.notifications import outbox, values
from apidesk.domain.passwords import PreparedPassword
from apidesk.domain.users import credentials, repository
from apidesk.domain.users import service as users
from apidesk.errors import Collection, Invalid
from apidesk.security.passwords import PasswordHashing
from apidesk.storage.models import User, UserRecord

EMAIL_CHANGE = "EmailChangeIdentityDefault"
EMAIL_CHANGE_PAGE = "confirm-email-change"
WRONG = "The current password is wrong."


@dataclass(frozen=True)
class Proof:
    """What `prove` found, carried into the unit that changes the account."""

    user_id: str
    email_key: str
    right: bool
    changed_at: datetime | None
    held: timedelta | None


@dataclass(frozen=True)
class Claim:
    """What `claim` read, in a read-only unit, for `prove` to check with none open."""

    user_id: str
    email_key: str
    stored_hash: str | None
    changed_at: datetime | None
    held: timedelta | None


def claim(ctx: InstanceContext, user: User) -> Claim:
    """Step 1, in a read-only unit: what checking the user's current password needs."""
    held = throttle.wait(ctx, throttle.SIGN_IN, user.email_key)
    return Claim(user.name, user.email_key, user.password_hash, user.password_changed_at, held)


def prove(hasher: PasswordHashing, claim: Claim, password: str) -> Proof:
    """Step 2, with no unit of work open (argon2 takes its time, and holds no connection):
    is the current password right?"""
    right = claim.held is None and hasher.verify(claim.stored_hash, password)
    return Proof(claim.user_id, claim.email_key, right, claim.changed_at, claim.held)


def _proven_or_raise(ctx: InstanceContext, proof: Proof) -> User:
    if proof.held is not None:
        seconds = max(1, int(proof.held.total_seconds() + 0.999))
        raise Invalid.field(
            "current_password", f"Too many wrong passwords. Try again in {seconds} second(s)."
        )
    user = repository.find(ctx, proof.user_id, lock=True)
    if user is None or not proof.right or user.password_changed_at != proof.changed_at:
        throttle.failed_sign_in(ctx, proof.email_key)
        raise Invalid.field("current_password", WRONG)
    return user


def rename(ctx: InstanceContext, user: User, first_name: str, last_name: str) -> UserRecord:
    return users.update(
        ctx,
        user.name,
        {"first_name": first_name.strip(), "last_name": last_name.strip()},
        expected_etag="*",
    )


def change_password(ctx: InstanceContext, proof: Proof, password: PreparedPassword) -> User:
    """Set the new password; every session of the account ends (the page that asked starts a
    new one for its own browser)."""
    user = _proven_or_raise(ctx, proof)
    ended = credentials.set_password(ctx, user, password.hashed)
    audit.record(ctx, "user.changePassword", f"users/{user.name}", {"sessionsEnded": ended})
    ctx.session.flush()
    return user


def request_email_change(ctx: InstanceContext, proof: Proof, new_email: str) -> User:
    """Send a confirmation link to the new address; the old one works until it is opened.
    A taken address gets the same answer and no e-mail: the page tells nobody who is
    registered."""
    problems = Collection()
    address = validation.email(problems, "email", new_email.strip())
    problems.raise_if_any()
    assert address is not None
    user = _proven_or_raise(ctx, proof)
    key = validation.email_key(address)
    if key == user.email_key:
        raise Invalid.field("email", "That is your address already.")
    audit.record(ctx, "user.changeEmail.request", f"users/{user.name}")
    if repository.email_taken(ctx, key, except_id=user.id):
        return user
    lifetime = timedelta(hours=ctx.runtime.settings.confirmation_hours)
    token = links.issue(ctx, user, Purpose.EMAIL_CHANGE, lifetime, {"email": address})
    filled = values.with_link(
        {**values.developer(ctx, user), "DevEmail": address},
        values.portal_link(ctx, EMAIL_CHANGE_PAGE, token),
    )
    outbox.to_developer(ctx, EMAIL_CHANGE, user, filled, to_address=address)
    ctx.session.flush()
    return user


def email_change_of(ctx: InstanceContext, token: str) -> tuple[User, str]:
    """The account and the new address a working link confirms (LinkUnusable if none)."""
    found = links.open_or_raise(ctx, token, Purpose.EMAIL_CHANGE)
    assert found.user is not None and found.link is not None
    return found.user, str(found.link.payload.get("email", ""))


def confirm_email_change(ctx: InstanceContext, token: str) -> UserRecord:
    """Use the link once: the account takes the new address, every session ends and the
    links sent to the old address stop working."""
    _, address = email_change_of(ctx, token)
    user = links.redeem_or_raise(ctx, token, Purpose.EMAIL_CHANGE)
    # users.update checks the address is still free and ends sessions and older links.
    return users.update(ctx, user.name, {"email": address}, expected_etag="*")


def close_account(ctx: InstanceContext, proof: Proof) -> None:
    """Close the account as APIM does: the developer and the publisher's recipients are told,
    its subscriptions are cancelled and kept without an owner, and the user is deleted."""
    user = _proven_or_raise(ctx, proof)
    users.delete(ctx, user.name, expected_etag="*", notify=True, delete_subscriptions=False)
