"""What every portal page shares: the unit of work inside the instance named by the URL,
rendering with the security headers, cookies, the CSRF check and sessions.

Forms carry a CSRF token bound to the browser and its session (`apidesk.web.csrf`); pages
behind one-time links carry the link's token as well. Sessions live in a cookie holding a
random token whose digest is stored; the cookie is HttpOnly, SameSite=Lax, and Secure when
the portal is served over HTTPS.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from sqlalchemy.exc import IntegrityError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from apidesk.domain import sessions, throttle
from apidesk.domain.context import Context, InstanceContext, Runtime
from apidesk.domain.instances import service as instances
from apidesk.domain.notifications.values import shared_portal_url
from apidesk.domain.portal import delegation
from apidesk.domain.subscriptions.service import LIMIT_REACHED
from apidesk.errors import Collided, DomainError, Invalid, Vanished
from apidesk.portal import header, pages
from apidesk.storage.models import Instance, User, UserSummary
from apidesk.web import csrf, wording
from apidesk.web.csrf import origin_of
from apidesk.web.headers import keep_link_private
from apidesk.web.paths import below_root, page_below

SESSION_COOKIE = "apidesk_session"
CSRF_COOKIE = "apidesk_csrf"


class PageNotFound(Exception):
    pass


class Portal:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    # Plumbing ---------------------------------------------------------------------------

    @contextmanager
    def unit(
        self, request: Request, *, write: bool, service: str | None = None
    ) -> Iterator[InstanceContext]:
        """A unit of work inside the instance named by the URL. The request's first unit looks
        the instance up (`read_by_name`: an entity of no session, for reading); its later ones
        (a portal form has at least two, a sign-in three) use it as it is, without asking the
        database again. Should the instance be deleted in between, a write that refers to it
        breaks a foreign key, and the page is the 404 a fresh lookup would have given. With
        `service`, that instance is looked up afresh, whatever the request knew."""
        known: Instance | None = None
        if service is None:
            known = getattr(request.state, "instance", None)
            service = request.path_params["service"]
        try:
            with self.runtime.database.unit_of_work(write=write) as session:
                ctx = Context(self.runtime, session, "portal")
                if known is not None:
                    yield InstanceContext.of(ctx, known)
                    return
                instance = instances.read_by_name(ctx, service)
                if instance is None:
                    raise PageNotFound()
                ictx = InstanceContext.of(ctx, instance)
                request.state.instance = instance
                # The portal's address as this request reached it, and so where its forms
                # must come from (see `checked`).
                request.state.portal_url = served_url(request, ictx)
                request.state.portal_origin = origin_of(request.state.portal_url)
                yield ictx
        except (IntegrityError, Vanished):  # Vanished: the unit's word for a foreign key
            if known is not None and self._gone(request):
                raise PageNotFound() from None
            raise

    def _gone(self, request: Request) -> bool:
        with self.runtime.database.unit_of_work(write=False) as session:
            ctx = Context(self.runtime, session, "portal")
            return instances.find_by_name(ctx, request.path_params["service"]) is None

    def render(
        self,
        request: Request,
        ctx: InstanceContext,
        page: str,
        status: int = 200,
        **values: Any,
    ) -> HTMLResponse:
        """The page, with the top bar for its visitor (`apidesk.portal.header`): the signed-in
        developer unless the caller says whom (`user`, None for nobody). A page that carries
        an e-mailed link's `token` names the link's owner as its `user` and has no menu."""
        nonce = request.cookies.get(CSRF_COOKIE) or csrf.new_nonce()
        base = self.base_path(request)
        if values.get("token"):
            values.setdefault("user", None)
            values["menu"] = None
        else:
            if "user" not in values:
                values["user"] = self.signed_in(request, ctx)
            # A signed-out visitor's Sign in links lead back to the page they are reading;
            # never to a page opened by a link's token, which is no page to go back to.
            back = None
            plain = request.method == "GET" and "token" not in request.query_params
            if values["user"] is None and status == 200 and plain:
                back = self.page_path(request)
            values["menu"] = header.menu(ctx, base, page, values["user"], back)
            values["signin_href"] = header.signin_href(base, back)
        if page == "signin.html":
            # "New here? Sign up" while the portal's own sign-up form takes new accounts.
            values.setdefault("signup_open", header.own_signup_open(ctx))
        response = pages.page(
            page,
            status,
            organization=ctx.instance.publisher_name,
            # Where a developer can write to the API team (a blocked one is told to).
            contact=ctx.instance.publisher_email,
            base=base,
            static=f"{base}/static",
            # The password policy in words, for the hint of each field that sets a password.
            password_rules=wording.password_rules(self.runtime.policy),
            csrf=csrf.token(
                self.runtime.secrets.csrf_key,
                "portal",
                nonce,
                request.cookies.get(SESSION_COOKIE),
            ),
            **values,
        )
        if request.cookies.get(CSRF_COOKIE) != nonce:
            self._cookie(response, request, CSRF_COOKIE, nonce, max_age=None)
        keep_link_private(request, response)
        publisher = delegation.publisher_origin(ctx)
        if publisher is not None:
            # Forms whose answer hands the browser to the publisher's site (sign-out) must be
            # allowed to go there; CSP's form-action governs that redirect too.
            policy = response.headers["Content-Security-Policy"]
            response.headers["Content-Security-Policy"] = policy.replace(
                "form-action 'self'", f"form-action 'self' {publisher}"
            )
        return response

    def not_found(self, request: Request, service: str) -> Response:
        """The 404 page of the instance named `service`, with its name and its menu for the
        visitor, and a way to its home; the bare 404 when no instance has that name."""
        if not header.possible_name(service):
            return pages.error(404)
        title, message = pages.ERRORS[404]
        try:
            with self.unit(request, write=False, service=service) as ctx:
                return self.render(
                    request, ctx, "message.html", 404, title=title, message=message, home=True
                )
        except PageNotFound:
            return pages.error(404)

    def hold_back(self, request: Request) -> Response | None:
        """Count a form sent from the request's client address; the 429 page once that
        address has sent more than its share (`APIDESK_PORTAL_FORMS_PER_WINDOW`). Behind a
        proxy, the address is the one the proxy reports, when the server trusts it."""
        with self.unit(request, write=True) as ctx:
            wait = throttle.portal_form(ctx, client_address(request))
            if wait is None:
                return None
            seconds = max(1, int(wait.total_seconds() + 0.999))
            minutes = (seconds + 59) // 60
            response = self.render(
                request,
                ctx,
                "message.html",
                429,
                title="Too many attempts",
                message="Too many forms were sent from your network address. Try again in "
                f"{minutes} minute{'s' if minutes != 1 else ''}.",
            )
            response.headers["Retry-After"] = str(seconds)
            return response

    def base_path(self, request: Request) -> str:
        """The path the portal's pages lie below, as this request reached them ("" at a host
        of its own): what its links, redirects and cookies are made of."""
        url: str = request.state.portal_url
        return urlsplit(url).path.rstrip("/")

    def cookie_path(self, request: Request) -> str:
        return self.base_path(request) or "/"

    def _cookie(
        self, response: Response, request: Request, name: str, value: str, max_age: int | None
    ) -> None:
        url: str = request.state.portal_url
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=self.cookie_path(request),
            httponly=True,
            samesite="lax",
            secure=url.startswith("https://"),
        )

    def checked(self, request: Request, form: FormData | None) -> FormData:
        """The submitted form, if its CSRF token is this browser's and it came from the
        portal's own origin."""
        if form is None:
            raise Invalid.field("csrf", "The form is missing.")
        csrf.check_or_raise(
            self.runtime.secrets.csrf_key,
            "portal",
            sent=form.get(csrf.FIELD),
            nonce=request.cookies.get(CSRF_COOKIE),
            session=request.cookies.get(SESSION_COOKIE),
            claimed_origin=csrf.claimed_origin(request.headers),
            own_origin=getattr(request.state, "portal_origin", None),
        )
        return form

    def signed_in(self, request: Request, ctx: InstanceContext) -> User | None:
        return sessions.user_of(ctx, request.cookies.get(SESSION_COOKIE))

    def to_signin(self, request: Request) -> RedirectResponse:
        """To the sign-in page, which brings the visitor back to the page they opened
        (`returnUrl`); a form sent without a session has no page to come back to but home."""
        base = self.base_path(request)
        target = f"{base}/signin"
        here = self.page_path(request) if request.method == "GET" else None
        if here is not None and here != f"{base}/":
            target += "?" + urlencode({"returnUrl": here})
        return RedirectResponse(target, status_code=303)

    def page_path(self, request: Request) -> str:
        """The public path of the page asked for, with its query: the portal's base path where
        this request reached it (`served_url`) and the page's path below the service."""
        path = below_root(request)
        # The path arrives decoded: quoted again, an id with '%' or '?' in it names itself.
        below = quote(path[len(request.path_params["service"]) + 1 :] or "/", safe="/")
        query = request.url.query
        return f"{self.base_path(request)}{below}" + (f"?{query}" if query else "")

    def return_to(self, request: Request, value: str | None) -> str:
        """Where a sign-in lands: `value` when it is a page of this portal, else its home.
        Nothing else: a link cannot send a developer who signs in anywhere but here."""
        return page_below(value, self.base_path(request))

    def sign_in(
        self, request: Request, ctx: InstanceContext, user: UserSummary, target: str
    ) -> RedirectResponse:
        token = sessions.start(ctx, user)
        response = RedirectResponse(target, status_code=303)
        hours = ctx.runtime.settings.session_hours
        self._cookie(response, request, SESSION_COOKIE, token, max_age=int(hours * 3600))
        return response


def client_address(request: Request) -> str:
    client = request.client
    return client.host if client is not None and client.host else "unknown"


def form_field(form: FormData, name: str) -> str:
    value = form.get(name)
    # NUL never belongs in a form field, and no database would store it.
    return value if isinstance(value, str) and "\x00" not in value else ""


# The labels of the portal's fields for the API's names of them, and the sentences it
# rewrites: a refusal says what the developer sees on the form (`apidesk.web.wording`).
LABELS = {
    "email": "Email",
    "firstName": "First name",
    "lastName": "Last name",
    "password": "Password",
    "displayName": "Subscription name",
}
SENTENCES = {
    **wording.SENTENCES,
    LIMIT_REACHED: "You already hold as many subscriptions to this product as it allows.",
}


def problem_text(error: DomainError) -> str:
    return wording.in_words(error, LABELS, SENTENCES)


def refused(error: DomainError, fields: dict[str, str]) -> dict[str, Any]:
    """What a page says of a refused form: the refusal as one text (`error`) and, for each
    field of the form it names (`fields`: the domain's name of a field -> its id on the
    form, in the form's order), the words shown at that field and in the page's summary."""
    return {
        "error": problem_text(error),
        "field_errors": wording.field_errors(error, fields, LABELS, SENTENCES),
    }


# What `checked` names when a form is not this browser's from this portal's own pages.
FORGED = frozenset({"csrf", "origin"})


def refusal_status(error: DomainError) -> int:
    """403 for a form that is not this browser's own from this portal (no or a wrong CSRF
    token, or sent from another origin), 409 for a change another one made at the same time
    took first (`Collided`), else 400."""
    if isinstance(error, Collided):
        return 409
    forged = isinstance(error, Invalid) and any(p.target in FORGED for p in error.problems)
    return 403 if forged else 400


def served_url(request: Request, ctx: InstanceContext) -> str:
    """The portal's address for this request: its own when the request came to its own host
    (through the proxy that serves that host, which passes the Host header on), else the
    shared one. Both serve it, as APIM's default portal host keeps working beside a custom
    one; each keeps its own paths and cookies, so a portal reached on the shared host never
    sets a cookie for the whole of that host."""
    own = ctx.instance.portal_url
    if own and _same_host(request.url.hostname, urlsplit(own).hostname):
        return own
    return shared_portal_url(ctx)


def _same_host(asked: str | None, own: str | None) -> bool:
    """Whether the Host a request names is the portal's own (a final dot is the same name)."""
    if not asked or not own:
        return False
    return asked.removesuffix(".") == own.removesuffix(".")
