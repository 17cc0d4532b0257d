"""A signed-in developer's Profile page: the name, the e-mail address (confirmed from the new
address first), the password (the current one first; other sessions end), and closing the
account. The rules are the domain's (apidesk.domain.users.profile); this module reads forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from apidesk.domain import passwords
from apidesk.domain.context import InstanceContext
from apidesk.domain.flows.links import LinkUnusable
from apidesk.domain.portal.delegation import Operation
from apidesk.domain.users import profile
from apidesk.errors import DomainError, Invalid
from apidesk.portal.base import SESSION_COOKIE, Portal, refusal_status, refused
from apidesk.portal.base import form_field as _field
from apidesk.portal.base import problem_text as _problem
from apidesk.portal.delegated import hand_off
from apidesk.storage.models import User

Handler = Callable[[Portal, Request, FormData | None], Response]

DONE = {
    "name": "Your name was saved.",
    "email": "If the new address can be used, a confirmation link is on its way to it. Your "
    "current address works until you open that link.",
    "password": "Your password was changed; you are signed out everywhere else.",
}


# Each form's fields (their ids on the page) for the domain's names of them, in its order.
NAME_FIELDS = {"firstName": "first_name", "lastName": "last_name"}
EMAIL_FIELDS = {"email": "email", "current_password": "email_password"}
PASSWORD_FIELDS = {
    "current_password": "current_password",
    "password": "password",
    "confirm": "confirm",
}


def routes(page: Callable[[Handler], Any]) -> list[Route]:
    return [
        Route("/{service}/profile", page(show), methods=["GET"]),
        Route("/{service}/profile/name", page(save_name), methods=["POST"]),
        Route("/{service}/profile/email", page(change_email), methods=["POST"]),
        Route("/{service}/profile/password", page(change_password), methods=["POST"]),
        Route("/{service}/profile/close", page(close_page), methods=["GET"]),
        Route("/{service}/profile/close", page(close_submit), methods=["POST"]),
        Route("/{service}/confirm-email-change", page(confirm_page), methods=["GET"]),
        Route("/{service}/confirm-email-change", page(confirm_submit), methods=["POST"]),
    ]


def _user(portal: Portal, request: Request, ctx: InstanceContext) -> User | RedirectResponse:
    user = portal.signed_in(request, ctx)
    if user is None:
        return portal.to_signin(request)
    ctx.actor = f"user:{user.name}"
    return user


def _page(
    portal: Portal,
    request: Request,
    ctx: InstanceContext,
    user: User,
    status: int = 200,
    **values: Any,
) -> Response:
    done = request.query_params.get("done", "")
    values.setdefault("status_message", DONE.get(done))
    return portal.render(request, ctx, "profile.html", status, user=user, **values)


def show(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=False) as ctx:
        user = _user(portal, request, ctx)
        if isinstance(user, Response):
            return user
        return _page(portal, request, ctx, user)


def _refused(
    portal: Portal, request: Request, error: DomainError, fields: dict[str, str], **values: Any
) -> Response:
    """The profile again, with the refusal said at the fields of the form it refused."""
    with portal.unit(request, write=False) as ctx:
        user = _user(portal, request, ctx)
        if isinstance(user, Response):
            return user
        said = refused(error, fields)
        return _page(portal, request, ctx, user, refusal_status(error), **said, **values)


def _back(portal: Portal, request: Request, done: str) -> Response:
    return RedirectResponse(f"{portal.base_path(request)}/profile?done={done}", status_code=303)


def save_name(portal: Portal, request: Request, form: FormData | None) -> Response:
    delegated = _delegated(portal, request, form, Operation.CHANGE_PROFILE)
    if delegated is not None:
        return delegated
    typed: dict[str, str] = {}
    try:
        with portal.unit(request, write=True) as ctx:
            user = _user(portal, request, ctx)
            if isinstance(user, Response):
                return user
            form = portal.checked(request, form)
            typed = {
                "first_name": _field(form, "first_name"),
                "last_name": _field(form, "last_name"),
            }
            profile.rename(ctx, user, typed["first_name"], typed["last_name"])
            return _back(portal, request, "name")
    except DomainError as error:
        return _refused(portal, request, error, NAME_FIELDS, typed=typed)


def _delegated(
    portal: Portal, request: Request, form: FormData | None, operation: Operation
) -> Response | None:
    """While the publisher's site keeps the accounts, it changes them too: the browser goes
    there, signed, with the user's id (APIM's ChangeProfile, ChangePassword, CloseAccount).
    Only a form of this browser's is handed over; any other is refused as usual."""
    with portal.unit(request, write=False) as ctx:
        user = portal.signed_in(request, ctx)
        if user is None:
            return None
        try:
            portal.checked(request, form)
        except Invalid:
            return None
        return hand_off(ctx, operation, status=303, userId=user.name)


def change_email(portal: Portal, request: Request, form: FormData | None) -> Response:
    delegated = _delegated(portal, request, form, Operation.CHANGE_PROFILE)
    if delegated is not None:
        return delegated
    typed = ""
    try:
        with portal.unit(request, write=False) as ctx:
            user = _user(portal, request, ctx)
            if isinstance(user, Response):
                return user
            form = portal.checked(request, form)
            typed = _field(form, "email")
            claim = profile.claim(ctx, user)
        proof = profile.prove(portal.runtime.passwords, claim, _field(form, "current_password"))
        with portal.unit(request, write=True) as ctx:
            ctx.actor = f"user:{proof.user_id}"
            profile.request_email_change(ctx, proof, typed)
            return _back(portal, request, "email")
    except DomainError as error:
        return _refused(portal, request, error, EMAIL_FIELDS, typed_email=typed)


def change_password(portal: Portal, request: Request, form: FormData | None) -> Response:
    delegated = _delegated(portal, request, form, Operation.CHANGE_PASSWORD)
    if delegated is not None:
        return delegated
    try:
        with portal.unit(request, write=False) as ctx:
            user = _user(portal, request, ctx)
            if isinstance(user, Response):
                return user
            form = portal.checked(request, form)
            if _field(form, "password") != _field(form, "confirm"):
                raise Invalid.field("confirm", "The two new passwords differ.")
            claim = profile.claim(ctx, user)
            hints = passwords.hints_of(user)
        # Both checked with no unit open: argon2 holds neither a lock nor a connection.
        proof = profile.prove(portal.runtime.passwords, claim, _field(form, "current_password"))
        prepared = passwords.prepare(portal.runtime, _field(form, "password"), hints)
        with portal.unit(request, write=True) as ctx:
            ctx.actor = f"user:{proof.user_id}"
            changed = profile.change_password(ctx, proof, prepared)
            # Every session ended; this browser gets a new one.
            return portal.sign_in(
                request, ctx, changed, f"{portal.base_path(request)}/profile?done=password"
            )
    except DomainError as error:
        return _refused(portal, request, error, PASSWORD_FIELDS)


def close_page(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=False) as ctx:
        user = _user(portal, request, ctx)
        if isinstance(user, Response):
            return user
        return portal.render(request, ctx, "close_account.html", user=user)


def close_submit(portal: Portal, request: Request, form: FormData | None) -> Response:
    delegated = _delegated(portal, request, form, Operation.CLOSE_ACCOUNT)
    if delegated is not None:
        return delegated
    try:
        with portal.unit(request, write=False) as ctx:
            user = _user(portal, request, ctx)
            if isinstance(user, Response):
                return user
            form = portal.checked(request, form)
            claim = profile.claim(ctx, user)
        proof = profile.prove(portal.runtime.passwords, claim, _field(form, "current_password"))
        with portal.unit(request, write=True) as ctx:
            ctx.actor = f"user:{proof.user_id}"
            profile.close_account(ctx, proof)
            response = portal.render(
                request,
                ctx,
                "message.html",
                title="Your account is closed",
                message="Your account and its keys are gone. A confirmation is on its way to "
                "your e-mail address.",
                user=None,  # signed out: the session ends with the answer
            )
            response.delete_cookie(SESSION_COOKIE, path=portal.cookie_path(request))
            return response
    except DomainError as error:
        with portal.unit(request, write=False) as ctx:
            user = _user(portal, request, ctx)
            if isinstance(user, Response):
                return user
            return portal.render(
                request,
                ctx,
                "close_account.html",
                refusal_status(error),
                user=user,
                error=_problem(error),
            )


def confirm_page(portal: Portal, request: Request, form: FormData | None) -> Response:
    """Opening the link changes nothing: a button does (a GET must not, and mail scanners
    open links)."""
    token = request.query_params.get("token", "")
    with portal.unit(request, write=False) as ctx:
        try:
            user, address = profile.email_change_of(ctx, token)
        except LinkUnusable:
            return _dead(portal, request, ctx)
        return portal.render(
            request, ctx, "confirm_email_change.html", user=user, address=address, token=token
        )


def _dead(portal: Portal, request: Request, ctx: InstanceContext) -> Response:
    return portal.render(
        request,
        ctx,
        "message.html",
        410,
        title="Link not valid",
        message="This link was used already, replaced by a newer one, or has expired. Ask for "
        "the change again on your profile.",
    )


def confirm_submit(portal: Portal, request: Request, form: FormData | None) -> Response:
    try:
        with portal.unit(request, write=True) as ctx:
            form = portal.checked(request, form)
            user = profile.confirm_email_change(ctx, _field(form, "token"))
            return portal.render(
                request,
                ctx,
                "message.html",
                title="Your e-mail address is changed",
                message=f"Sign in with {user.email} from now on.",
                signin=True,
            )
    except LinkUnusable:
        with portal.unit(request, write=False) as ctx:
            return _dead(portal, request, ctx)
    except DomainError as error:
        with portal.unit(request, write=False) as ctx:
            return portal.render(
                request,
                ctx,
                "message.html",
                refusal_status(error),
                title="Not changed",
                message=_problem(error),
            )
