"""The portal's sign-up page, as the instance's sign-up settings allow (terms and consent),
handed to the publisher while sign-up is delegated (apidesk.domain.portal.registration)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from apidesk.domain import passwords
from apidesk.domain.context import InstanceContext
from apidesk.domain.flows import signup
from apidesk.domain.portal import registration
from apidesk.domain.portal.delegation import Operation, is_delegated
from apidesk.errors import Forbidden, Invalid
from apidesk.portal.base import Portal, client_address, refusal_status
from apidesk.portal.base import form_field as _field
from apidesk.portal.base import problem_text as _problem
from apidesk.portal.delegated import registration_hand_off

EMPTY = {"email": "", "first_name": "", "last_name": "", "consent": False}


def _closed(portal: Portal, request: Request, ctx: InstanceContext) -> Response:
    return portal.render(
        request,
        ctx,
        "message.html",
        403,
        title="Sign-up is closed",
        message="New accounts cannot be created on this developer portal. If you have an "
        "account, sign in.",
        signin=True,
    )


def _form(
    portal: Portal,
    request: Request,
    ctx: InstanceContext,
    status: int = 200,
    values: dict[str, Any] | None = None,
    error: str | None = None,
) -> Response:
    try:
        terms = registration.terms_or_raise(ctx)
    except Forbidden:
        return _closed(portal, request, ctx)
    return portal.render(
        request, ctx, "signup.html", status, terms=terms, form=values or EMPTY, error=error
    )


def signup_page(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=False) as ctx:
        delegated = registration_hand_off(
            ctx, request, Operation.SIGN_UP, portal.base_path(request)
        )
        if delegated is not None:
            return delegated
        return _form(portal, request, ctx)


def signup_submit(portal: Portal, request: Request, form: FormData | None) -> Response:
    # The form is checked in a read-only unit and the password hashed with no unit open, so
    # argon2 holds neither a lock nor a connection.
    with portal.unit(request, write=False) as ctx:
        if is_delegated(ctx, Operation.SIGN_UP):
            return RedirectResponse(f"{portal.base_path(request)}/signup", status_code=303)
        try:
            registration.terms_or_raise(ctx)
        except Forbidden:
            return _closed(portal, request, ctx)
        try:
            form = portal.checked(request, form)
        except Invalid as error:
            return _form(portal, request, ctx, refusal_status(error), error=_problem(error))
        values: dict[str, Any] = {
            "email": _field(form, "email").strip(),
            "first_name": _field(form, "first_name").strip(),
            "last_name": _field(form, "last_name").strip(),
            "consent": _field(form, "consent") == "yes",
        }
        application = registration.Application(**values)
        try:
            registration.check(ctx, application)
        except Invalid as error:
            return _form(portal, request, ctx, 400, values, _problem(error))
    try:
        prepared = passwords.prepare(
            portal.runtime,
            _field(form, "password"),
            (values["email"], values["first_name"], values["last_name"]),
        )
    except Invalid as error:
        with portal.unit(request, write=False) as ctx:
            return _form(portal, request, ctx, 400, values, _problem(error))
    with portal.unit(request, write=True) as ctx:
        try:
            registration.sign_up(ctx, application, prepared, client_address(request))
        except Forbidden:
            return _closed(portal, request, ctx)
        except Invalid as error:
            return _form(portal, request, ctx, 400, values, _problem(error))
        return portal.render(
            request,
            ctx,
            "message.html",
            title="Check your e-mail",
            message=f"We have sent a message to {values['email']}. Open the link in it to "
            "finish signing up; it works for a limited time.",
        )


def resend_submit(portal: Portal, request: Request, form: FormData | None) -> Response:
    """A pending account's confirmation again (offered when its sign-in is refused). The
    answer is the same whatever the address: it tells nobody who is registered."""
    with portal.unit(request, write=True) as ctx:
        try:
            form = portal.checked(request, form)
        except Invalid as error:
            return portal.render(
                request, ctx, "signin.html", refusal_status(error), email="", error=_problem(error)
            )
        signup.resend(ctx, _field(form, "email"), client_address(request))
        return portal.render(
            request,
            ctx,
            "message.html",
            title="Check your e-mail",
            message="If this account is waiting for its e-mail address to be confirmed, a new "
            "link is on its way to that address. Earlier links no longer work.",
        )
