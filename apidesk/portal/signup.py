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
from apidesk.errors import FieldProblem, Forbidden, Invalid
from apidesk.portal.base import Portal, client_address, refusal_status, refused
from apidesk.portal.base import form_field as _field
from apidesk.portal.base import problem_text as _problem
from apidesk.portal.delegated import registration_hand_off

EMPTY = {"email": "", "first_name": "", "last_name": "", "consent": False}
# The form's fields (their ids) for the domain's names of them, in the form's order.
FIELDS = {
    "email": "email",
    "password": "password",
    "confirm": "confirm",
    "firstName": "first_name",
    "lastName": "last_name",
    "consent": "consent",
}


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
    error: Invalid | None = None,
) -> Response:
    try:
        terms = registration.terms_or_raise(ctx)
    except Forbidden:
        return _closed(portal, request, ctx)
    said = refused(error, FIELDS) if error is not None else {}
    return portal.render(
        request, ctx, "signup.html", status, terms=terms, form=values or EMPTY, **said
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
            return _form(portal, request, ctx, refusal_status(error), error=error)
        values: dict[str, Any] = {
            "email": _field(form, "email").strip(),
            "first_name": _field(form, "first_name").strip(),
            "last_name": _field(form, "last_name").strip(),
            "consent": _field(form, "consent") == "yes",
        }
        application = registration.Application(**values)
        # Every field's problems at once: the fields', the password's policy and its
        # confirmation (the password is hashed only once all is well).
        password = _field(form, "password")
        hints = (values["email"], values["first_name"], values["last_name"])
        problems: list[FieldProblem] = []
        for check in (
            lambda: registration.check(ctx, application),
            lambda: portal.runtime.policy.check(password, hints=hints),
        ):
            try:
                check()
            except Invalid as error:
                problems.extend(error.problems)
        if password != _field(form, "confirm"):
            problems.append(FieldProblem("confirm", "The two passwords differ."))
        if problems:
            return _form(portal, request, ctx, 400, values, Invalid(problems=problems))
    try:
        prepared = passwords.prepare(portal.runtime, password, hints)
    except Invalid as error:
        with portal.unit(request, write=False) as ctx:
            return _form(portal, request, ctx, 400, values, error)
    with portal.unit(request, write=True) as ctx:
        try:
            registration.sign_up(ctx, application, prepared, client_address(request))
        except Forbidden:
            return _closed(portal, request, ctx)
        except Invalid as error:
            return _form(portal, request, ctx, 400, values, error)
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
