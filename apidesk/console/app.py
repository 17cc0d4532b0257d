"""The admin console's routes, served under /console/. Page handlers read forms and render;
every rule lives in the domain services they call."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm.exc import StaleDataError
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from apidesk.console import (
    apis,
    groups,
    mail_templates,
    notifications,
    people,
    portal_settings,
    products,
    records,
    subscriptions,
    users,
)
from apidesk.console.base import (
    DONE,
    PATH,
    SESSION_COOKIE,
    Console,
    PageNotFound,
    SignInNeeded,
    field,
    see_other,
    way_back,
)
from apidesk.console.wording import ERRORS
from apidesk.domain import passwords, signin
from apidesk.domain.context import Runtime
from apidesk.domain.operators import access
from apidesk.domain.operators import service as operators
from apidesk.errors import Collided, DomainError, Invalid, Vanished
from apidesk.refusals import BodyTooLarge
from apidesk.storage.availability import is_unavailable
from apidesk.threads import run_in_turn
from apidesk.web import assets
from apidesk.web.paths import below_root
from apidesk.web.wording import problem_text

log = logging.getLogger("apidesk.console")

Handler = Callable[[Console, Request, FormData | None], Response]


def create_app(runtime: Runtime) -> Starlette:
    console = Console(runtime)
    reads_at_once = runtime.database.at_once(write=False)
    writes_at_once = runtime.database.at_once(write=True)

    def page(handler: Handler, *, public: bool = False, forged_home: bool = False) -> Any:
        """Read the form, then do the page's work in a worker thread, in turns with the
        process's other reads or writes (`apidesk.threads`): a unit of work never spans an
        await, and the event loop never waits for the database. A form sent to a
        page that is not `public` without a session cookie that could be one goes back to
        sign-in at once: the form's unit would wait for SQLite's write turn, which a request
        without a credential must not take. A form that is not this browser's own from the
        console (its CSRF token, its origin) is refused with 403 before any work, but where
        the page sends a forged one home itself (`forged_home`: sign-out)."""

        async def endpoint(request: Request) -> Response:
            try:
                if (
                    request.method == "POST"
                    and not public
                    and not access.may_be_session(request.cookies.get(SESSION_COOKIE))
                ):
                    raise SignInNeeded()
                form = await request.form() if request.method == "POST" else None
                if form is None:
                    return await run_in_turn("read", reads_at_once, handler, console, request, None)
                if not forged_home and (refused := console.refusal(request, form)) is not None:
                    return await run_in_turn(
                        "read", reads_at_once, _forged_page, console, request, refused
                    )
                return await run_in_turn("write", writes_at_once, handler, console, request, form)
            except SignInNeeded:
                return console.to_signin(request)
            except PageNotFound as gone:
                return await missing(request, gone)
            except BodyTooLarge:
                raise
            except HTTPException as error:
                return _error(console, request, error.status_code)
            except (StaleDataError, Collided):
                # Another change of the same row, or one that took the same id, name or link,
                # won the race: nothing of this one was kept.
                return _error(console, request, 409)
            except Vanished:
                # Another change deleted what this one refers to: nothing of it was kept.
                return await missing(request)
            except Exception as error:
                if is_unavailable(error):
                    return _error(console, request, 503, headers={"Retry-After": "1"})
                log.error(
                    "unhandled error on %s %s", request.method, request.url.path, exc_info=error
                )
                return _error(console, request, 500)

        return endpoint

    async def missing(request: Request, gone: PageNotFound | None = None) -> Response:
        """The 404 page, read in a turn like any page (`_not_found_page`); should the database
        fail it, the bare one. Without a cookie that could be a session, nobody is signed in:
        the bare page at once, no unit."""
        if not access.may_be_session(request.cookies.get(SESSION_COOKIE)):
            return _error(console, request, 404)
        try:
            return await run_in_turn("read", reads_at_once, _not_found_page, console, request, gone)
        except Exception as error:
            if not is_unavailable(error):
                log.error("the 404 page of %s failed", request.url.path, exc_info=error)
            return _error(console, request, 404)

    async def static_file(request: Request) -> Response:
        """A stylesheet or script of the pages; any other name gets the console's 404 page."""
        response = await assets.serve(request)
        return await missing(request) if response.status_code == 404 else response

    async def not_found(request: Request, error: Exception) -> Response:
        status = error.status_code if isinstance(error, HTTPException) else 404
        return await missing(request) if status == 404 else _error(console, request, status)

    return Starlette(
        exception_handlers={HTTPException: not_found},
        routes=[
            Route("/", page(home), methods=["GET"]),
            Route("/signin", page(signin_page), methods=["GET"]),
            Route("/signin", page(signin_submit, public=True), methods=["POST"]),
            Route("/signout", page(signout, public=True, forged_home=True), methods=["POST"]),
            Route("/set-password", page(set_password_page), methods=["GET"]),
            Route("/set-password", page(set_password_submit, public=True), methods=["POST"]),
            Route("/switch", page(switch), methods=["GET"]),
            Route("/static/{file}", static_file, methods=["GET"]),
            Route("/{service}/", page(instance_home), methods=["GET"]),
            *users.routes(page),
            *records.routes(page),
            *people.routes(page),
            *notifications.routes(page),
            *portal_settings.routes(page),
            *mail_templates.routes(page),
            *apis.routes(page),
            *groups.routes(page),
            *products.routes(page),
            *subscriptions.routes(page),
        ],
    )


def _error(
    console: Console, request: Request, status: int, headers: dict[str, str] | None = None
) -> Response:
    title, message = ERRORS.get(status, ("Error", "The request failed."))
    response = console.render(request, None, "message.html", status, title=title, message=message)
    response.headers.update(headers or {})
    return response


def _not_found_page(
    console: Console, request: Request, gone: PageNotFound | None = None
) -> Response:
    """The 404 page inside the console (`_message_page`); for a missing user, group... of an
    instance the operator manages, what is missing and the way back to its list."""
    if gone is None or not gone.title:
        return _message_page(console, request, 404, *ERRORS[404])
    return _message_page(
        console, request, 404, gone.title, gone.message, back=(gone.section, gone.listing)
    )


def _forged_page(console: Console, request: Request, refused: str) -> Response:
    """A form that is not this browser's own from the console: nothing was done."""
    return _message_page(console, request, 403, "Form not accepted", refused)


def _message_page(
    console: Console,
    request: Request,
    status: int,
    title: str,
    message: str,
    back: tuple[str, str] | None = None,
) -> Response:
    """A message inside the console: a signed-in operator keeps the header and its service
    switcher, and the navigation of the instance the address names if they manage it (one
    they do not manage is named nowhere on the page); anyone else gets the bare page."""
    with console.unit(write=False) as ctx:
        operator = console.operator(request, ctx)
        if operator is None:
            return console.render(
                request, None, "message.html", status, title=title, message=message
            )
        named = _named_service(request)
        instance = operators.managed(ctx, operator, named) if named else None
        return console.render(
            request,
            ctx,
            "message.html",
            status,
            operator=operator,
            instance=instance,
            title=title,
            message=message,
            section=back[0] if back else None,
            back=back,
        )


def _named_service(request: Request) -> str | None:
    """The instance an address under the console names (its first segment), if any."""
    named = request.path_params.get("service")
    if named is None:
        named = below_root(request).removeprefix("/").split("/", 1)[0]
    return named or None


# Signing in and out ---------------------------------------------------------------------


def home(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator = console.operator(request, ctx)
        if operator is None:
            return _signin_form(console, request, ctx)
        services = operators.manageable(ctx, operator)
        if not services:
            return console.render(
                request,
                ctx,
                "message.html",
                operator=operator,
                title="No service yet",
                message="There is no service instance to manage yet. Create one with the "
                "management API.",
            )
        done = request.query_params.get("done")
        return see_other(f"{PATH}/{services[0].name}/users", done if done in DONE else None)


def signin_page(console: Console, request: Request, form: FormData | None) -> Response:
    """The sign-in form, also for someone signed in already (to sign in as someone else)."""
    with console.unit(write=False) as ctx:
        return _signin_form(console, request, ctx)


def _signin_form(console: Console, request: Request, ctx: Any) -> Response:
    """The sign-in form, which leads on to the page named by `returnUrl` (`way_back`)."""
    back = way_back(request.query_params.get("returnUrl"))
    return console.render(request, ctx, "signin.html", email="", return_url=back)


def signin_submit(console: Console, request: Request, form: FormData | None) -> Response:
    # As in the portal: the operator is looked up in a read-only unit, the password checked
    # with no unit open, the outcome written in a short unit (apidesk.domain.operators.access).
    # The page the operator was sent here from (`way_back`), to go on to once signed in.
    back = way_back(field(form, "returnUrl") if form is not None else None)
    with console.unit(write=False) as ctx:
        try:
            form = console.checked(request, form)
        except Invalid as error:
            return console.render(
                request,
                ctx,
                "signin.html",
                400,
                email="",
                return_url=back,
                error=problem_text(error),
            )
        email = field(form, "email").strip()
        found = access.look_up(ctx, email)
        if isinstance(found, signin.Refusal):
            return _refused(console, request, ctx, email, back, found)
    checked = access.verify(console.runtime.passwords, found, field(form, "password"))
    if isinstance(checked, signin.Refusal):
        with console.unit(write=False) as ctx:
            return _refused(console, request, ctx, email, back, checked)
    with console.unit(write=True) as ctx:
        outcome = access.complete(ctx, checked)
        if isinstance(outcome, signin.Refusal):
            return _refused(console, request, ctx, email, back, outcome)
        ctx.actor = f"console:{outcome.email}"
        return console.sign_in(request, ctx, outcome, back)


def _refused(
    console: Console,
    request: Request,
    ctx: Any,
    email: str,
    back: str,
    refusal: signin.Refusal,
) -> Response:
    status = 429 if refusal.reason is signin.Reason.HELD else 400
    response = console.render(
        request, ctx, "signin.html", status, email=email, return_url=back, error=refusal.message
    )
    if refusal.retry_after is not None:
        response.headers["Retry-After"] = str(
            max(1, int(refusal.retry_after.total_seconds() + 0.999))
        )
    return response


def signout(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=True) as ctx:
        try:
            console.checked(request, form)
        except Invalid:
            return see_other(f"{PATH}/")
        return console.sign_out(request, ctx)


def set_password_page(console: Console, request: Request, form: FormData | None) -> Response:
    token = request.query_params.get("token", "")
    with console.unit(write=False) as ctx:
        try:
            operator = operators.link_holder_or_raise(ctx, token)
        except operators.LinkUnusable as dead:
            return console.render(
                request, ctx, "message.html", 410, title="Link not valid", message=dead.message
            )
        return console.render(request, ctx, "set_password.html", token=token, email=operator.email)


def set_password_submit(console: Console, request: Request, form: FormData | None) -> Response:
    token = ""
    try:
        with console.unit(write=False) as ctx:
            form = console.checked(request, form)
            token = field(form, "token")
            operator = operators.link_holder_or_raise(ctx, token)
            if field(form, "password") != field(form, "confirm"):
                raise Invalid.field("confirm", "The two passwords differ.")
        # Checked and hashed with no unit open: argon2 holds no connection.
        prepared = passwords.prepare(console.runtime, field(form, "password"), (operator.email,))
        with console.unit(write=True) as ctx:
            ctx.actor = f"console:{operator.email}"
            operator = operators.set_password(ctx, token, prepared)
            return console.sign_in(request, ctx, operator, f"{PATH}/?done=password-set")
    except operators.LinkUnusable as dead:
        with console.unit(write=False) as ctx:
            return console.render(
                request, ctx, "message.html", 410, title="Link not valid", message=dead.message
            )
    except DomainError as error:
        with console.unit(write=False) as ctx:
            try:
                shown = operators.link_holder_or_raise(ctx, token).email
            except operators.LinkUnusable as dead:
                return console.render(
                    request, ctx, "message.html", 410, title="Link not valid", message=dead.message
                )
            return console.render(
                request,
                ctx,
                "set_password.html",
                400,
                token=token,
                email=shown,
                error=problem_text(error),
            )


# Instances ---------------------------------------------------------------------------------


def switch(console: Console, request: Request, form: FormData | None) -> Response:
    """The instance switcher's target: a GET that changes nothing but the page shown."""
    with console.unit(write=False) as ctx:
        operator = console.operator_or_raise(request, ctx)
        name = request.query_params.get("service", "")
        instance = console.instance(ctx, operator, name)
        return see_other(f"{PATH}/{instance.instance.name}/users")


def instance_home(console: Console, request: Request, form: FormData | None) -> Response:
    with console.unit(write=False) as ctx:
        operator = console.operator_or_raise(request, ctx)
        instance = console.instance(ctx, operator, request.path_params["service"])
        return see_other(f"{PATH}/{instance.instance.name}/users")
