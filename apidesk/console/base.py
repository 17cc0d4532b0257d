"""What every console page shares: units of work, the signed-in operator, the instance named
by the URL (only one the operator may manage), rendering, cookies and the CSRF check.

Sessions live in a cookie holding a random token whose digest is stored; the cookie is
HttpOnly, SameSite=Lax, scoped to /console, and Secure when the public URL is HTTPS.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from apidesk.console.audit_words import action_words, actor_words
from apidesk.console.wording import ERRORS, page_range, plural, subscription_title
from apidesk.domain.context import Context, InstanceContext, Runtime
from apidesk.domain.operators import access
from apidesk.domain.operators import service as operators
from apidesk.domain.users.fields import FIELDS as USER_FIELDS
from apidesk.errors import Invalid
from apidesk.storage.models import Operator
from apidesk.web import csrf, render
from apidesk.web.csrf import origin_of
from apidesk.web.headers import keep_link_private
from apidesk.web.paths import below_root, page_below
from apidesk.web.wording import password_rules, problem_text

from . import TEMPLATES

PATH = "/console"
SESSION_COOKIE = "apidesk_console"
CSRF_COOKIE = "apidesk_console_csrf"

PAGES = render.environment(TEMPLATES)
# Forms state the domain's limits (maxlength) from its field tables.
PAGES.globals["user_fields"] = USER_FIELDS
PAGES.globals["page_range"] = page_range
PAGES.globals["subscription_title"] = subscription_title
PAGES.globals["plural"] = plural
# The audit log in words: "User created", "ops@example.com (console)".
PAGES.filters["action_words"] = action_words
PAGES.filters["actor_words"] = actor_words


class PageNotFound(Exception):
    """No such page, or an instance this operator may not see: one answer for both.

    Made by `not_found_in` (after the instance is known to be the operator's), the page says
    what is missing in which instance, "No user 'nobody' in acme", and links back to the
    list it belongs to (`section`, named by `listing`)."""

    def __init__(self, title: str = "", message: str = "", section: str = "", listing: str = ""):
        super().__init__(message)
        self.title, self.message, self.section, self.listing = title, message, section, listing


def not_found_in(
    ictx: InstanceContext, kind: str, name: str, section: str, listing: str
) -> PageNotFound:
    """The 404 of a `kind` ("user") named `name` that `ictx`'s instance does not hold; its list
    is the page `section` ("users"), called `listing` ("Users")."""
    shown = name if len(name) <= 80 else f"{name[:79]}…"
    return PageNotFound(
        f"No such {kind}",
        f"There is no {kind} '{shown}' in {ictx.instance.name}.",
        section,
        listing,
    )


class SignInNeeded(Exception):
    """The page needs a signed-in operator."""


class Console:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.origin = origin_of(runtime.settings.public_url)
        self.secure = runtime.settings.public_url.startswith("https://")

    @contextmanager
    def unit(self, *, write: bool) -> Iterator[Context]:
        with self.runtime.database.unit_of_work(write=write) as session:
            yield Context(self.runtime, session, "console")

    def operator(self, request: Request, ctx: Context) -> Operator | None:
        operator = access.operator_of(ctx, request.cookies.get(SESSION_COOKIE))
        if operator is not None:
            ctx.actor = f"console:{operator.email}"
        return operator

    def operator_or_raise(self, request: Request, ctx: Context) -> Operator:
        operator = self.operator(request, ctx)
        if operator is None:
            raise SignInNeeded()
        return operator

    def instance(self, ctx: Context, operator: Operator, name: str) -> InstanceContext:
        """The instance named in the URL, if this operator may manage it (found in the
        list the page's switcher shows: one read for both)."""
        found = operators.managed(ctx, operator, name)
        if found is None:
            raise PageNotFound()
        return InstanceContext.of(ctx, found)

    def render(
        self,
        request: Request,
        ctx: Context | None,
        template: str,
        status: int = 200,
        *,
        operator: Operator | None = None,
        **values: Any,
    ) -> HTMLResponse:
        nonce = request.cookies.get(CSRF_COOKIE) or csrf.new_nonce()
        token = csrf.token(
            self.runtime.secrets.csrf_key, "console", nonce, request.cookies.get(SESSION_COOKIE)
        )
        services = operators.manageable(ctx, operator) if operator and ctx else []
        response = render.page(
            PAGES,
            template,
            status,
            base=PATH,
            static=f"{PATH}/static",
            csrf=token,
            operator=operator,
            services=services,
            # Only our own words: a link cannot make the console say anything else.
            status_message=DONE.get(request.query_params.get("done", "")),
            # Without an SMTP server nothing sends the outbox: every page says so.
            mail_off=not self.runtime.settings.smtp_host,
            # The password policy in words, for the hint of each field that takes a password.
            password_rules=password_rules(self.runtime.policy),
            **values,
        )
        if request.cookies.get(CSRF_COOKIE) != nonce:
            self._cookie(response, CSRF_COOKIE, nonce, max_age=None)
        keep_link_private(request, response)
        return response

    def checked(self, request: Request, form: FormData | None) -> FormData:
        """The submitted form, if its CSRF token is this browser's and session's, and it came
        from this site."""
        if form is None:
            raise Invalid.field("csrf", "The form is missing.")
        csrf.check_or_raise(
            self.runtime.secrets.csrf_key,
            "console",
            sent=form.get(csrf.FIELD),
            nonce=request.cookies.get(CSRF_COOKIE),
            session=request.cookies.get(SESSION_COOKIE),
            claimed_origin=csrf.claimed_origin(request.headers),
            own_origin=self.origin,
        )
        return form

    def refusal(self, request: Request, form: FormData) -> str | None:
        """Why the form is not this browser's own from the console (`checked`), or None."""
        try:
            self.checked(request, form)
        except Invalid as refused:
            return problem_text(refused)
        return None

    def to_signin(self, request: Request) -> RedirectResponse:
        """To sign-in, told to come back to the page asked for (`returnUrl`) once signed in;
        a form sent without a session, or the console's home, has none to come back to."""
        # The path arrives decoded: quoted again, an id with '%' or '?' in it names itself.
        here = PATH + quote(below_root(request), safe="/")
        if request.url.query:
            here += f"?{request.url.query}"
        if request.method != "GET" or way_back(here) in (f"{PATH}/", f"{PATH}/signin"):
            return RedirectResponse(f"{PATH}/", status_code=303)
        return RedirectResponse(f"{PATH}/signin?{urlencode({'returnUrl': here})}", status_code=303)

    def sign_in(self, request: Request, ctx: Context, operator: Operator, target: str) -> Response:
        """A new session (the old one, if any, ends: the cookie is rotated)."""
        access.end_session(ctx, request.cookies.get(SESSION_COOKIE))
        token = access.start_session(ctx, operator)
        response = RedirectResponse(target, status_code=303)
        self._cookie(response, SESSION_COOKIE, token, max_age=access.SESSION_HOURS * 3600)
        return response

    def sign_out(self, request: Request, ctx: Context) -> Response:
        access.end_session(ctx, request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse(f"{PATH}/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=PATH, secure=self.secure, httponly=True)
        return response

    def _cookie(self, response: Response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=PATH,
            httponly=True,
            samesite="lax",
            secure=self.secure,
        )


def refusal_page(status: int, message: str | None = None) -> HTMLResponse:
    """The console's page for a request refused before the console ran (apidesk.refusals: a
    body or headers too large, bytes that are no HTTP/1.1), in its own look and words. No
    request reached it to read a session from: the bare page anyone signed out gets."""
    title, default = ERRORS.get(status, ("Error", "The request failed."))
    return render.page(
        PAGES,
        "message.html",
        status,
        base=PATH,
        static=f"{PATH}/static",
        operator=None,
        services=[],
        title=title,
        message=message or default,
    )


# What the page after an action says about it (`?done=...`).
DONE = {
    "signed-in": "You are signed in.",
    "password-set": "Your password is set; you are signed in.",
    "added": "The user was added.",
    "invited": "The invitation e-mail is queued to be sent.",
    "reinvited": "A new invitation e-mail is queued to be sent; the earlier link no longer works.",
    "blocked": "The user is blocked.",
    "activated": "The user is active.",
    "reset-sent": "A password reset e-mail is queued to be sent.",
    "deleted": "The user was deleted.",
    "saved": "The changes were saved.",
    "operator-removed": "The operator was removed; their sessions have ended.",
    "operator-scope": "The operator's services were changed; their sessions have ended.",
    "unchanged": "Nothing needed to change.",
    "approved": "The subscription is approved and active; the developer is told.",
    "rejected": "The request is rejected; the developer is told.",
    "suspended": "The subscription is suspended: its keys stop working.",
    "subscription-activated": "The subscription is active again.",
    "cancelled": "The subscription is cancelled.",
    "primary-regenerated": "A new primary key is in place; the old one no longer works.",
    "secondary-regenerated": "A new secondary key is in place; the old one no longer works.",
    "product-created": "The product was added.",
    "product-deleted": "The product was deleted.",
    "product-published": "The product is published: developers can see it.",
    "product-unpublished": "The product is no longer published.",
    "group-linked": "The group can now see the product.",
    "group-unlinked": "The group no longer sees the product.",
    "api-linked": "The API is part of the product.",
    "api-unlinked": "The API is no longer part of the product.",
    "group-created": "The group was added.",
    "group-deleted": "The group was deleted.",
    "member-added": "The user was added to the group.",
    "member-removed": "The user was removed from the group.",
    "api-added": "The API was added.",
    "api-deleted": "The API was deleted.",
    "test-sent": "A test message with sample values is queued to be sent to you.",
    "restored": "The template is back to its built-in text.",
    "recipient-added": "The recipient was added.",
    "recipient-removed": "The recipient was removed.",
    "key-replaced": "A new validation key is in place; signatures made with the old one fail.",
    "retried": "The message is queued to be sent again.",
    "group-added": "The user was added to the group.",
    "group-removed": "The user was removed from the group.",
}


def way_back(value: str | None) -> str:
    """Where a sign-in lands: `value` when it is a page of the console, else its home, by the
    rule of the portal's `returnUrl` (`apidesk.web.paths.page_below`), so that a link cannot
    send an operator who signs in to another site or out of /console: not an absolute URL,
    '//' or '/\\', a dot segment, nor any of them encoded."""
    return page_below(value, PATH)


def see_other(target: str, done: str | None = None) -> RedirectResponse:
    """Redirect after a POST; `done` names the status message the next page shows."""
    if done:
        assert done in DONE, done
        target, hash_mark, fragment = target.partition("#")
        target = f"{target}{'&' if '?' in target else '?'}done={done}{hash_mark}{fragment}"
    return RedirectResponse(target, status_code=303)


def field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) and "\x00" not in value else ""


def choice(form: FormData, name: str, allowed: Collection[str], message: str) -> str:
    """A field that names one of the choices a page offers (a hidden `state`, an `act`); any
    other value, or none, is refused (400) before anything is done, never taken for one of
    them."""
    value = field(form, name)
    if value not in allowed:
        raise Invalid.field(name, message)
    return value


def checkbox(form: FormData, name: str) -> bool:
    """A ticked box sends "on"; an unticked one sends nothing, or an empty value from a
    script (so it is false). Any other value is not from the page, and is refused rather
    than read as unticked."""
    value = form.get(name)
    if value is None or value == "":
        return False
    if value != "on":
        raise Invalid.field(name, "Tick the box or leave it empty.")
    return True
