"""The developer portal: sign-in and the pages behind the links in e-mails (invitation,
password reset, e-mail confirmation), served under /portal/{service}/. The link pages live in
`apidesk.portal.flows`; what every page shares, in `apidesk.portal.base`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm.exc import StaleDataError
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Match, Route

from apidesk.domain import sessions, signin
from apidesk.domain.context import InstanceContext, Runtime
from apidesk.domain.portal import delegation
from apidesk.domain.portal import settings as portal_settings
from apidesk.domain.portal.delegation import Operation
from apidesk.domain.users import access
from apidesk.errors import Collided, Invalid, Vanished
from apidesk.portal import pages, products, profile
from apidesk.portal.base import SESSION_COOKIE, PageNotFound, Portal, refusal_status
from apidesk.portal.base import form_field as _field
from apidesk.portal.base import problem_text as _problem
from apidesk.portal.delegated import hand_off, registration_hand_off
from apidesk.portal.flows import (
    FORGOT_ANSWER_SECONDS,
    confirm_page,
    confirm_submit,
    forgot_page,
    forgot_submit,
    invitation_page,
    invitation_renew,
    invitation_submit,
    reset_page,
    reset_submit,
)
from apidesk.portal.header import service_of, signup_offered
from apidesk.portal.signup import resend_submit, signup_page, signup_submit
from apidesk.portal.subscriptions import (
    detail_page,
    keys_submit,
    list_page,
    regenerate_page,
    regenerate_submit,
)
from apidesk.refusals import BodyTooLarge
from apidesk.storage.availability import is_unavailable
from apidesk.threads import run_in_turn
from apidesk.web import assets

log = logging.getLogger("apidesk.portal")


def create_app(runtime: Runtime) -> Starlette:
    portal = Portal(runtime)
    reads_at_once = runtime.database.at_once(write=False)
    writes_at_once = runtime.database.at_once(write=True)

    def page(
        handler: Callable[[Portal, Request, FormData | None], Response],
        *,
        answer_after: float = 0.0,
    ) -> Any:
        """Read a form, then, in one worker thread (in turns with the process's other reads
        or writes: `apidesk.threads`), count it against its sender's address and do the
        page's work: a unit of work never spans an await, and the event loop never
        waits for the database. A form that cannot be read counts all the same. With
        `answer_after`, every answer takes at least that long, waited out on the event loop,
        where waiting costs no thread."""

        def counted(request: Request, form: FormData | None, unread: Exception | None) -> Response:
            held = portal.hold_back(request)
            if held is not None:
                return held
            if unread is not None:
                raise unread
            return handler(portal, request, form)

        async def endpoint(request: Request) -> Response:
            started = time.monotonic()
            try:
                if request.method == "POST":
                    form, unread = None, None
                    try:
                        form = await request.form()
                    except HTTPException as error:
                        unread = error
                    response = await run_in_turn(
                        "write", writes_at_once, counted, request, form, unread
                    )
                else:
                    response = await run_in_turn(
                        "read", reads_at_once, handler, portal, request, None
                    )
            except PageNotFound:
                return await not_found(request, request.path_params["service"])
            except BodyTooLarge:
                raise  # the request limits answer it (413)
            except HTTPException as error:
                return pages.error(error.status_code)  # e.g. a form that cannot be read
            except (StaleDataError, Collided):
                # Another change of the same row, or one that took the same id, name or link,
                # won the race: nothing of this one was kept.
                return pages.error(409)
            except Vanished:
                # Another change deleted what this one refers to: nothing of it was kept.
                return await not_found(request, request.path_params["service"])
            except Exception as error:
                return _failed(request, error)
            if answer_after:
                await asyncio.sleep(max(0.0, answer_after - (time.monotonic() - started)))
            return response

        return endpoint

    async def not_found(request: Request, service: str | None) -> Response:
        """The instance's own 404 page when `service` names one (looked up in a worker
        thread, like any page's work), else the bare one. Should that fail, the bare one:
        the answer is 404 all the same."""
        if service is None:
            return pages.error(404)
        try:
            return await run_in_turn("read", reads_at_once, portal.not_found, request, service)
        except Exception as error:
            _logged(request, error)
            return pages.error(404)

    async def static_file(request: Request) -> Response:
        """A stylesheet or script of the pages; any other name gets the portal's 404 page."""
        response = await assets.serve(request)
        if response.status_code == 404:
            return await not_found(request, request.path_params["service"])
        return response

    async def http_error(request: Request, error: Exception) -> Response:
        """The router's own refusals: no such page (404: the instance's own, when the path
        names one), or a method the page does not take."""
        assert isinstance(error, HTTPException)
        if error.status_code == 404:
            return await not_found(request, service_of(request))
        return _http_error(request, error)

    return Starlette(
        exception_handlers={HTTPException: http_error},
        routes=[
            Route("/{service}/", page(home), methods=["GET"]),
            *profile.routes(page),
            *products.routes(page),
            Route("/{service}/static/{file}", static_file, methods=["GET"]),
            Route("/{service}/signin", page(signin_page), methods=["GET"]),
            Route("/{service}/signin", page(signin_submit), methods=["POST"]),
            Route("/{service}/signup", page(signup_page), methods=["GET"]),
            Route(
                "/{service}/signup",
                # Just as long whether or not the address has an account: timing tells nothing.
                page(signup_submit, answer_after=FORGOT_ANSWER_SECONDS),
                methods=["POST"],
            ),
            Route("/{service}/signout", page(signout), methods=["POST"]),
            Route(
                "/{service}/resend-confirmation",
                page(resend_submit, answer_after=FORGOT_ANSWER_SECONDS),
                methods=["POST"],
            ),
            Route("/{service}/signin-sso", page(signin_sso), methods=["GET"]),
            Route("/{service}/invitation", page(invitation_page), methods=["GET"]),
            Route("/{service}/invitation", page(invitation_submit), methods=["POST"]),
            Route("/{service}/invitation/renew", page(invitation_renew), methods=["POST"]),
            Route("/{service}/reset-password", page(reset_page), methods=["GET"]),
            Route("/{service}/reset-password", page(reset_submit), methods=["POST"]),
            Route("/{service}/forgot-password", page(forgot_page), methods=["GET"]),
            Route(
                "/{service}/forgot-password",
                # The same time whether or not an e-mail was queued: the timing must not tell
                # which addresses have accounts.
                page(forgot_submit, answer_after=FORGOT_ANSWER_SECONDS),
                methods=["POST"],
            ),
            Route("/{service}/confirm-email", page(confirm_page), methods=["GET"]),
            Route("/{service}/confirm-email", page(confirm_submit), methods=["POST"]),
            Route("/{service}/subscriptions", page(list_page), methods=["GET"]),
            Route("/{service}/subscriptions/{sid}", page(detail_page), methods=["GET"]),
            Route("/{service}/subscriptions/{sid}/keys", page(keys_submit), methods=["POST"]),
            Route(
                "/{service}/subscriptions/{sid}/regenerate", page(regenerate_page), methods=["GET"]
            ),
            Route(
                "/{service}/subscriptions/{sid}/regenerate",
                page(regenerate_submit),
                methods=["POST"],
            ),
        ],
    )


def _failed(request: Request, error: Exception) -> Response:
    """A page for what went wrong: the database out of reach (503), or a bug (500, logged
    with its trace; the page shows none)."""
    if _logged(request, error):
        return pages.error(503, headers={"Retry-After": "1"})
    return pages.error(500)


def _logged(request: Request, error: Exception) -> bool:
    """Log what went wrong: a warning for a database out of reach (True), else the trace."""
    if is_unavailable(error):
        original = getattr(error, "orig", None) or error
        log.warning("database unavailable: %s: %s", type(original).__name__, original)
        return True
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return False


def _http_error(request: Request, error: HTTPException) -> Response:
    """The bare page of a refusal of the router's: a method the page does not take."""
    headers = dict(error.headers or {})
    if error.status_code == 405:
        # Each method of a page is its own route: name every one the path takes.
        allowed: set[str] = set()
        for route in request.app.router.routes:
            match, _ = route.matches({**request.scope, "method": "\x00"})
            if match == Match.PARTIAL:
                allowed |= set(getattr(route, "methods", ()) or ())
        headers["Allow"] = ", ".join(sorted(allowed))
    return pages.error(error.status_code, headers=headers)


# Pages --------------------------------------------------------------------------------------


def home(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=False) as ctx:
        user = portal.signed_in(request, ctx)
        if user is None and portal_settings.signin_required(ctx):
            return portal.to_signin(request)
        signup_open = signup_offered(ctx)
        return portal.render(request, ctx, "home.html", user=user, signup_open=signup_open)


def signin_page(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=False) as ctx:
        delegated = registration_hand_off(
            ctx, request, Operation.SIGN_IN, portal.base_path(request)
        )
        if delegated is not None:
            return delegated
        return_url = portal.return_to(request, request.query_params.get("returnUrl"))
        return portal.render(request, ctx, "signin.html", email="", return_url=return_url)


def signin_submit(portal: Portal, request: Request, form: FormData | None) -> Response:
    # The account is looked up in a read-only unit, the password checked with no unit open (no
    # connection is held while argon2 runs or waits its turn), and only the outcome written,
    # in a short unit of its own (apidesk.domain.signin).
    with portal.unit(request, write=False) as ctx:
        if delegation.is_delegated(ctx, Operation.SIGN_IN):
            # Passwords are the publisher's business while sign-in is delegated.
            return RedirectResponse(f"{portal.base_path(request)}/signin", status_code=303)
        # The page the visitor was sent here from, to go on to once signed in.
        back = portal.return_to(request, _field(form, "returnUrl") if form is not None else None)
        try:
            form = portal.checked(request, form)
        except Invalid as error:
            return portal.render(
                request,
                ctx,
                "signin.html",
                refusal_status(error),
                email="",
                error=_problem(error),
                return_url=back,
            )
        email = _field(form, "email").strip()
        found = signin.look_up(ctx, email)
        if isinstance(found, signin.Refusal):
            return _refused(portal, request, ctx, email, found, back)
    checked = signin.verify(portal.runtime.passwords, found, _field(form, "password"))
    if isinstance(checked, signin.Refusal):
        with portal.unit(request, write=False) as ctx:
            return _refused(portal, request, ctx, email, checked, back)
    with portal.unit(request, write=True) as ctx:
        outcome = signin.complete(ctx, checked)
        if isinstance(outcome, signin.Refusal):
            return _refused(portal, request, ctx, email, outcome, back)
        ctx.actor = f"user:{outcome.name}"
        return portal.sign_in(request, ctx, outcome, back)


REFUSAL_STATUS = {
    signin.Reason.WRONG: 400,
    signin.Reason.HELD: 429,
    signin.Reason.BLOCKED: 403,
    signin.Reason.PENDING: 403,
}


def _refused(
    portal: Portal,
    request: Request,
    ctx: InstanceContext,
    email: str,
    refusal: signin.Refusal,
    back: str,
) -> Response:
    return portal.render(
        request,
        ctx,
        "signin.html",
        REFUSAL_STATUS[refusal.reason],
        email=email,
        error=refusal.message,
        # Offered after a wrong password too: a pending account's owner may not know the
        # password it has (an invitee has none), and the answer is the same for any address.
        offer_resend=refusal.reason in (signin.Reason.PENDING, signin.Reason.WRONG),
        blocked=refusal.reason is signin.Reason.BLOCKED,
        return_url=back,
    )


def signout(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=True) as ctx:
        try:
            portal.checked(request, form)
        except Invalid:
            return RedirectResponse(f"{portal.base_path(request)}/", status_code=303)
        user = portal.signed_in(request, ctx)
        sessions.end(ctx, request.cookies.get(SESSION_COOKIE))
        delegated = None
        if user is not None:
            delegated = hand_off(ctx, Operation.SIGN_OUT, status=303, userId=user.name)
        response = delegated or RedirectResponse(f"{portal.base_path(request)}/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=portal.cookie_path(request))
        return response


def signin_sso(portal: Portal, request: Request, form: FormData | None) -> Response:
    """Where `generateSsoUrl` links lead: a shared-access token signs the user in."""
    with portal.unit(request, write=True) as ctx:
        user = access.sign_on(ctx, request.query_params.get("token", ""))
        if user is None:
            return portal.render(
                request,
                ctx,
                "message.html",
                401,
                title="Sign-in link not valid",
                message="This sign-in link is invalid, was used already or has expired. Ask "
                "for a new one.",
            )
        # Only pages of this portal: never send a signed-in user anywhere else.
        target = portal.return_to(request, request.query_params.get("returnUrl"))
        ctx.actor = f"user:{user.name}"
        return portal.sign_in(request, ctx, user, target)
