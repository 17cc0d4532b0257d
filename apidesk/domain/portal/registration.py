"""Self-service sign-up on the developer portal, as the instance's sign-up settings allow.

A new address gets a `pending` account and the `ConfirmSignUpIdentityDefault` e-mail, whose
link activates it (apidesk.domain.flows.signup). The answer is the same for an address that
already has an account, so the form does not tell who is registered. The owner of that
address is told instead: an active one gets the `PasswordResetIdentityDefault` e-mail (a link
to choose a new password, in case they forgot they had an account), and others (blocked, or
invited and not yet registered) get nothing. An address that signed up before and never
confirmed gets a confirmation of this sign-up, whose link asks for this applicant's password:
the first sign-up may have been someone else's (apidesk.domain.flows.signup).
"""

from __future__ import annotations

from dataclasses import dataclass

from apidesk.domain import throttle, validation
from apidesk.domain.context import InstanceContext
from apidesk.domain.flows import recovery, signup
from apidesk.domain.passwords import PreparedPassword
from apidesk.domain.portal import settings
from apidesk.domain.portal.delegation import Operation, is_delegated
from apidesk.domain.users import repository
from apidesk.domain.users import service as users
from apidesk.domain.users.fields import check_fields
from apidesk.errors import Collection, Conflict, Forbidden
from apidesk.ids import object_id
from apidesk.storage.models import User


@dataclass(frozen=True)
class Application:
    """What a person typed into the sign-up form (the password apart)."""

    email: str
    first_name: str
    last_name: str
    consent: bool


def terms_or_raise(ctx: InstanceContext) -> settings.Signup:
    """The sign-up settings, if people may sign up on the portal itself."""
    current = settings.signup(ctx)
    if is_delegated(ctx, Operation.SIGN_UP):
        raise Forbidden("Sign-up happens on the publisher's own site.", code="SignUpDelegated")
    if not current.enabled:
        raise Forbidden("Sign-up is closed for this developer portal.", code="SignUpClosed")
    return current


def check(ctx: InstanceContext, application: Application) -> str:
    """Check the form (the password is checked while it is hashed); the e-mail address as it
    will be stored."""
    terms = terms_or_raise(ctx)
    problems = Collection()
    clean = check_fields(
        problems,
        {
            "email": application.email.strip(),
            "first_name": application.first_name,
            "last_name": application.last_name,
        },
    )
    if terms.terms_enabled and terms.terms_consent_required and not application.consent:
        problems.add("consent", "Accept the terms of use to sign up.")
    problems.raise_if_any()
    email: str = clean["email"]
    return email


def _notify_owner(ctx: InstanceContext, owner: User, applicant: signup.Applicant) -> None:
    """Someone signed up with a taken address: an active owner gets a way back in; a
    self-registered address that was never confirmed gets this sign-up's confirmation;
    others get nothing."""
    if owner.state == "active":
        recovery.request_by_email(ctx, owner.email)
    elif owner.state == "pending" and signup.self_registered(ctx, owner):
        # A link of this applicant's own; the links before stay open.
        signup.request_confirmation(ctx, owner, applicant)


def sign_up(
    ctx: InstanceContext, application: Application, password: PreparedPassword, client: str
) -> None:
    """Register the application: a pending account and its confirmation e-mail, or a notice
    to the owner of an address that is taken. Says nothing about which it was."""
    email = check(ctx, application)
    key = validation.email_key(email)
    if not throttle.allow_sign_up(ctx, key, client):
        return
    applicant = signup.Applicant(password.hashed, application.first_name, application.last_name)
    existing = repository.find_by_email(ctx, key)
    if existing is not None:
        _notify_owner(ctx, existing, applicant)
        return
    # No password on the account: the one typed is the confirmation link's to give
    # (apidesk.domain.flows.signup).
    fields: users.UserFields = {
        "email": email,
        "first_name": application.first_name,
        "last_name": application.last_name,
        "state": "pending",
    }
    try:
        user, _ = users.create_or_update(ctx, object_id(), fields)
    except Conflict:
        return  # the address was taken a moment ago, by a sign-up running alongside
    signup.request_confirmation(ctx, user, applicant)
    ctx.session.flush()
