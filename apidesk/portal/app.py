"""The developer portal's account pages: sign-in, and the pages behind the links in e-mails
(invitation, password reset, e-mail confirmation). Served under /portal/{service}/.

Forms carry a CSRF token that must match a cookie (double submit); pages behind one-time links
carry the link's token as well. Sessions live in a cookie holding a random token whose digest
is stored; the cookie is HttpOnly, SameSite=Lax, and Secure when the portal is served over
HTTPS.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from apidesk.domain import passwords, sessions, signin, throttle
from apidesk.domain.context import Context, InstanceContext, Runtime
from apidesk.domain.flows import invitation, links, recovery, signup
from apidesk.domain.flows.links import LinkState, LinkUnusable, Purpose
from apidesk.domain.instances import service as instances
from apidesk.domain.notifications.values import portal_base_url
from apidesk.domain.users import access
from apidesk.domain.validation import email_key
from apidesk.errors import DomainError, Invalid
from apidesk.storage.models import User

SESSION_COOKIE = "apidesk_session"
CSRF_COOKIE = "apidesk_csrf"
TEMPLATES = Path(__file__).parent / "templates"


class PageNotFound(Exception):
    pass


class Portal:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.pages = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    # Plumbing ---------------------------------------------------------------------------

    @contextmanager
    def unit(self, request: Request, *, write: bool) -> Iterator[InstanceContext]:
        with self.runtime.database.unit_of_work(write=write) as session:
            ctx = Context(self.runtime, session, "portal")
            instance = instances.find_by_name(ctx, request.path_params["service"])
            if instance is None:
                raise PageNotFound()
            yield InstanceContext.of(ctx, instance)

    def render(
        self,
        request: Request,
        ctx: InstanceContext,
        page: str,
        status: int = 200,
        **values: Any,
    ) -> HTMLResponse:
        csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        body = self.pages.get_template(page).render(
            organization=ctx.instance.publisher_name,
            base=self.base_path(ctx),
            csrf=csrf,
            **values,
        )
        response = HTMLResponse(body, status_code=status)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'"
        )
        if request.cookies.get(CSRF_COOKIE) != csrf:
            self._cookie(response, ctx, CSRF_COOKIE, csrf, max_age=None)
        return response

    def base_path(self, ctx: InstanceContext) -> str:
        return urlsplit(portal_base_url(ctx)).path.rstrip("/")

    def _cookie(
        self, response: Response, ctx: InstanceContext, name: str, value: str, max_age: int | None
    ) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=self.base_path(ctx) or "/",
            httponly=True,
            samesite="lax",
            secure=portal_base_url(ctx).startswith("https://"),
        )

    def checked(self, request: Request, form: FormData | None) -> FormData:
        """The submitted form, if its CSRF token matches the cookie."""
        if form is None:
            raise Invalid.field("csrf", "The form is missing.")
        sent = form.get("csrf")
        expected = request.cookies.get(CSRF_COOKIE)
        if not expected or not isinstance(sent, str) or not secrets.compare_digest(sent, expected):
            raise Invalid.field("csrf", "The form has expired; reload the page and try again.")
        return form

    def signed_in(self, request: Request, ctx: InstanceContext) -> User | None:
        return sessions.user_of(ctx, request.cookies.get(SESSION_COOKIE))

    def sign_in(self, ctx: InstanceContext, user: User, target: str) -> RedirectResponse:
        token = sessions.start(ctx, user)
        response = RedirectResponse(target, status_code=303)
        hours = ctx.runtime.settings.session_hours
        self._cookie(response, ctx, SESSION_COOKIE, token, max_age=int(hours * 3600))
        return response


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    # NUL never belongs in a form field, and no database would store it.
    return value if isinstance(value, str) and "\x00" not in value else ""


def _problem(error: DomainError) -> str:
    if isinstance(error, Invalid) and error.problems:
        return " ".join(problem.message for problem in error.problems)
    return error.message


def _dead_link_reason(state: LinkState) -> str:
    return {
        LinkState.EXPIRED: "This link has expired.",
        LinkState.USED: "This link has already been used.",
        LinkState.REPLACED: "A newer link was sent; this one no longer works.",
        LinkState.VOIDED: "The account changed since this link was sent; it no longer works.",
    }.get(state, "This link is not valid.")


def create_app(runtime: Runtime) -> Starlette:
    portal = Portal(runtime)

    def page(handler: Callable[[Portal, Request, FormData | None], Response]) -> Any:
        """Read the form first, then do the page's work in a worker thread: a unit of work
        never spans an await, and the event loop never waits for the database."""

        async def endpoint(request: Request) -> Response:
            form = await request.form() if request.method == "POST" else None
            try:
                return await run_in_threadpool(handler, portal, request, form)
            except PageNotFound:
                return HTMLResponse("<h1>Not found</h1>", status_code=404)

        return endpoint

    return Starlette(
        routes=[
            Route("/{service}/", page(home), methods=["GET"]),
            Route("/{service}/signin", page(signin_page), methods=["GET"]),
            Route("/{service}/signin", page(signin_submit), methods=["POST"]),
            Route("/{service}/signout", page(signout), methods=["POST"]),
            Route("/{service}/signin-sso", page(signin_sso), methods=["GET"]),
            Route("/{service}/invitation", page(invitation_page), methods=["GET"]),
            Route("/{service}/invitation", page(invitation_submit), methods=["POST"]),
            Route("/{service}/invitation/renew", page(invitation_renew), methods=["POST"]),
            Route("/{service}/reset-password", page(reset_page), methods=["GET"]),
            Route("/{service}/reset-password", page(reset_submit), methods=["POST"]),
            Route("/{service}/forgot-password", page(forgot_page), methods=["GET"]),
            Route("/{service}/forgot-password", page(forgot_submit), methods=["POST"]),
            Route("/{service}/confirm-email", page(confirm_page), methods=["GET"]),
            Route("/{service}/confirm-email", page(confirm_submit), methods=["POST"]),
        ]
    )


# Pages --------------------------------------------------------------------------------------


def home(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=False) as ctx:
        user = portal.signed_in(request, ctx)
        return portal.render(request, ctx, "home.html", user=user)


def signin_page(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=False) as ctx:
        return portal.render(request, ctx, "signin.html", email="")


def signin_submit(portal: Portal, request: Request, form: FormData | None) -> Response:
    # The password is checked in a read-only unit, so sign-ins never hold the write lock while
    # argon2 runs; only the outcome is written, in a short second unit (apidesk.domain.signin).
    with portal.unit(request, write=False) as ctx:
        try:
            form = portal.checked(request, form)
        except Invalid as error:
            return portal.render(request, ctx, "signin.html", 400, email="", error=_problem(error))
        email = _field(form, "email").strip()
        checked = signin.check(ctx, email, _field(form, "password"))
        if isinstance(checked, signin.Refusal):
            return _refused(portal, request, ctx, email, checked)
    with portal.unit(request, write=True) as ctx:
        outcome = signin.complete(ctx, checked)
        if isinstance(outcome, signin.Refusal):
            return _refused(portal, request, ctx, email, outcome)
        ctx.actor = f"user:{outcome.name}"
        return portal.sign_in(ctx, outcome, f"{portal.base_path(ctx)}/")


REFUSAL_STATUS = {
    signin.Reason.WRONG: 400,
    signin.Reason.HELD: 429,
    signin.Reason.BLOCKED: 403,
    signin.Reason.PENDING: 403,
}


def _refused(
    portal: Portal, request: Request, ctx: InstanceContext, email: str, refusal: signin.Refusal
) -> Response:
    return portal.render(
        request,
        ctx,
        "signin.html",
        REFUSAL_STATUS[refusal.reason],
        email=email,
        error=refusal.message,
    )


def signout(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=True) as ctx:
        try:
            portal.checked(request, form)
        except Invalid:
            return RedirectResponse(f"{portal.base_path(ctx)}/", status_code=303)
        sessions.end(ctx, request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse(f"{portal.base_path(ctx)}/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=portal.base_path(ctx) or "/")
        return response


def signin_sso(portal: Portal, request: Request, form: FormData | None) -> Response:
    """Where `generateSsoUrl` links lead: a shared-access token signs the user in."""
    with portal.unit(request, write=True) as ctx:
        user = access.verify_token(ctx, request.query_params.get("token", ""))
        if user is None or user.state != "active":
            return portal.render(
                request,
                ctx,
                "message.html",
                401,
                title="Sign-in link not valid",
                message="This sign-in link is invalid or has expired. Ask for a new one.",
            )
        target = request.query_params.get("returnUrl", "")
        # Only paths on this portal: never send a signed-in user to another site.
        if not target.startswith("/") or target.startswith("//") or "\\" in target:
            target = f"{portal.base_path(ctx)}/"
        ctx.actor = f"user:{user.name}"
        return portal.sign_in(ctx, user, target)


def invitation_page(portal: Portal, request: Request, form: FormData | None) -> Response:
    token = request.query_params.get("token", "")
    with portal.unit(request, write=False) as ctx:
        try:
            user = invitation.invitee(ctx, token)
        except LinkUnusable as dead:
            return _dead_invitation(portal, request, ctx, token, dead)
        return portal.render(request, ctx, "invitation.html", user=user, token=token)


def _dead_invitation(
    portal: Portal, request: Request, ctx: InstanceContext, token: str, dead: LinkUnusable
) -> Response:
    return portal.render(
        request,
        ctx,
        "invitation_dead.html",
        410 if dead.state is not LinkState.UNKNOWN else 404,
        reason=_dead_link_reason(dead.state),
        token=token,
        renewable=dead.state is not LinkState.UNKNOWN,
    )


def invitation_submit(portal: Portal, request: Request, form: FormData | None) -> Response:
    token = ""
    try:
        with portal.unit(request, write=False) as ctx:
            form = portal.checked(request, form)
            token = _field(form, "token")
            user = invitation.invitee(ctx, token)
            if _field(form, "password") != _field(form, "confirm"):
                raise Invalid.field("confirm", "The two passwords differ.")
            # Checked and hashed here, outside the unit that writes.
            prepared = passwords.prepare(
                ctx.runtime, _field(form, "password"), passwords.hints_of(user)
            )
        with portal.unit(request, write=True) as ctx:
            ctx.actor = f"user:{user.name}"
            accepted = invitation.accept(ctx, token, prepared)
            return portal.sign_in(ctx, accepted, f"{portal.base_path(ctx)}/")
    except LinkUnusable as dead:
        with portal.unit(request, write=False) as ctx:
            return _dead_invitation(portal, request, ctx, token, dead)
    except Invalid as error:
        with portal.unit(request, write=False) as ctx:
            try:
                # The form goes back with its error, if the link still works by now.
                page_user = invitation.invitee(ctx, token) if token else None
            except LinkUnusable as dead:
                return _dead_invitation(portal, request, ctx, token, dead)
            template = "invitation.html" if page_user else "message.html"
            return portal.render(
                request,
                ctx,
                template,
                400,
                user=page_user,
                token=token,
                error=_problem(error),
                title="Try again",
                message=_problem(error),
            )


def invitation_renew(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=True) as ctx:
        try:
            form = portal.checked(request, form)
        except Invalid as error:
            return portal.render(
                request, ctx, "message.html", 400, title="Try again", message=_problem(error)
            )
        invitation.renew(ctx, _field(form, "token"))
        # The same answer either way, so the page does not reveal whether a link was sent.
        return portal.render(
            request,
            ctx,
            "message.html",
            title="Check your e-mail",
            message="If this invitation can still be accepted, a new link is on its way to the "
            "address it was sent to.",
        )


def reset_page(portal: Portal, request: Request, form: FormData | None) -> Response:
    token = request.query_params.get("token", "")
    with portal.unit(request, write=False) as ctx:
        try:
            user = recovery.account_of(ctx, token)
        except LinkUnusable as dead:
            return _dead_reset(portal, request, ctx, dead)
        return portal.render(request, ctx, "reset.html", user=user, token=token)


def _dead_reset(
    portal: Portal, request: Request, ctx: InstanceContext, dead: LinkUnusable
) -> Response:
    return portal.render(
        request,
        ctx,
        "reset_dead.html",
        410 if dead.state is not LinkState.UNKNOWN else 404,
        reason=_dead_link_reason(dead.state),
    )


def reset_submit(portal: Portal, request: Request, form: FormData | None) -> Response:
    token = ""
    try:
        with portal.unit(request, write=False) as ctx:
            form = portal.checked(request, form)
            token = _field(form, "token")
            user = recovery.account_of(ctx, token)
            if _field(form, "password") != _field(form, "confirm"):
                raise Invalid.field("confirm", "The two passwords differ.")
            prepared = passwords.prepare(
                ctx.runtime, _field(form, "password"), passwords.hints_of(user)
            )
        with portal.unit(request, write=True) as ctx:
            ctx.actor = f"user:{user.name}"
            recovery.complete(ctx, token, prepared)
            response = portal.render(
                request,
                ctx,
                "message.html",
                title="Password changed",
                message="Your password is changed and you are signed out everywhere. Sign in "
                "with the new password.",
                signin=True,
            )
            response.delete_cookie(SESSION_COOKIE, path=portal.base_path(ctx) or "/")
            return response
    except LinkUnusable as dead:
        with portal.unit(request, write=False) as ctx:
            return _dead_reset(portal, request, ctx, dead)
    except Invalid as error:
        with portal.unit(request, write=False) as ctx:
            try:
                page_user = recovery.account_of(ctx, token) if token else None
            except LinkUnusable as dead:
                return _dead_reset(portal, request, ctx, dead)
            template = "reset.html" if page_user else "message.html"
            return portal.render(
                request,
                ctx,
                template,
                400,
                user=page_user,
                token=token,
                error=_problem(error),
                title="Try again",
                message=_problem(error),
            )


def forgot_page(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=False) as ctx:
        return portal.render(request, ctx, "forgot.html")


FORGOT_ANSWER_SECONDS = 0.3


def forgot_submit(portal: Portal, request: Request, form: FormData | None) -> Response:
    started = time.monotonic()
    with portal.unit(request, write=True) as ctx:
        try:
            form = portal.checked(request, form)
        except Invalid as error:
            return portal.render(request, ctx, "forgot.html", 400, error=_problem(error))
        email = _field(form, "email").strip()
        if email and throttle.allow_reset_request(ctx, email_key(email)):
            recovery.request_by_email(ctx, email)
        response = portal.render(
            request,
            ctx,
            "message.html",
            title="Check your e-mail",
            message="If an account uses this address, a link to choose a new password is on "
            "its way.",
        )
    # Answer after the same time whether or not an e-mail was queued, so the timing does
    # not tell which addresses have accounts.
    time.sleep(max(0.0, FORGOT_ANSWER_SECONDS - (time.monotonic() - started)))
    return response


def confirm_page(portal: Portal, request: Request, form: FormData | None) -> Response:
    token = request.query_params.get("token", "")
    with portal.unit(request, write=False) as ctx:
        found = links.look_up(ctx, token, Purpose.SIGNUP)
        if found.state is not LinkState.OPEN:
            return portal.render(
                request,
                ctx,
                "message.html",
                410,
                title="Link not valid",
                message=_dead_link_reason(found.state),
            )
        return portal.render(request, ctx, "confirm.html", token=token, user=found.user)


def confirm_submit(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=True) as ctx:
        try:
            form = portal.checked(request, form)
            user = signup.confirm(ctx, _field(form, "token"))
        except LinkUnusable as dead:
            return portal.render(
                request,
                ctx,
                "message.html",
                410,
                title="Link not valid",
                message=_dead_link_reason(dead.state),
            )
        except Invalid as error:
            return portal.render(
                request, ctx, "message.html", 400, title="Try again", message=_problem(error)
            )
        ctx.actor = f"user:{user.name}"
        return portal.sign_in(ctx, user, f"{portal.base_path(ctx)}/")
