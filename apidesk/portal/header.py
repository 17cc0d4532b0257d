"""The portal's top bar: what it offers the visitor of a page.

Signed in, **Products**, **Subscriptions** and **Profile**, the account's e-mail address and
**Sign out**. Signed out, **Products** while anonymous visitors may see them (sign-in is not
required), **Sign in**, and **Sign up** while following it leads somewhere: sign-up is open,
or delegated (the portal's sign-up page hands the visitor to the publisher's site, whatever
the portal's own sign-up setting says). A page opened from an e-mailed link has no menu: the
link names its owner, who is not signed in by it.

The link of the page shown is marked `aria-current="page"`; on a page below it (a product, a
subscription, closing the account) its section's link is marked `aria-current="true"`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from starlette.requests import Request

from apidesk.domain.context import InstanceContext
from apidesk.domain.instances.service import NAME_PATTERN
from apidesk.domain.portal import settings as portal_settings
from apidesk.domain.portal.delegation import Operation, is_delegated
from apidesk.storage.models import User
from apidesk.web.paths import below_root

# The menu entry each template is (`page`) or lies below (`true`).
CURRENT: dict[str, tuple[str, str]] = {
    "products.html": ("products", "page"),
    "product.html": ("products", "true"),
    "subscriptions.html": ("subscriptions", "page"),
    "subscription.html": ("subscriptions", "true"),
    "regenerate.html": ("subscriptions", "true"),
    "cancel.html": ("subscriptions", "true"),
    "profile.html": ("profile", "page"),
    "close_account.html": ("profile", "true"),
    "signin.html": ("signin", "page"),
    "signup.html": ("signup", "page"),
}


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    current: str | None = None  # the value of aria-current, if any
    button: bool = False  # drawn as a button: the top bar's call to action (Sign up)


@dataclass(frozen=True)
class Menu:
    """The top bar's links: `pages` (the portal's sections) and, signed out, `account`
    (Sign in, Sign up); `user` is the signed-in developer, or None."""

    user: User | None
    pages: tuple[Link, ...]
    account: tuple[Link, ...]


def own_signup_open(ctx: InstanceContext) -> bool:
    """Whether the portal's own sign-up form takes new accounts (open and not delegated)."""
    return portal_settings.signup(ctx).enabled and not is_delegated(ctx, Operation.SIGN_UP)


def signup_offered(ctx: InstanceContext) -> bool:
    """Whether the portal's Sign up leads to a form: the portal's own, or the publisher's."""
    return is_delegated(ctx, Operation.SIGN_UP) or portal_settings.signup(ctx).enabled


# Pages a sign-in does not lead back to: those of signing in and of an account's links.
NO_WAY_BACK = frozenset(
    {
        "signin",
        "signup",
        "signin-sso",
        "forgot-password",
        "reset-password",
        "invitation",
        "confirm-email",
    }
)


def signin_href(base: str, back: str | None) -> str:
    """The sign-in page, told to lead back to `back` (a page of this portal) when there is
    one to go back to: not home, nor a page of signing in or of an e-mailed link."""
    href = f"{base}/signin"
    if back is None or back == f"{base}/":
        return href
    below = back[len(base) :].split("?", 1)[0]
    if below.strip("/") in NO_WAY_BACK:
        return href
    return f"{href}?returnUrl={quote(back, safe='')}"


def menu(
    ctx: InstanceContext, base: str, template: str, user: User | None, back: str | None = None
) -> Menu:
    """The top bar for `user` on `template`; `back` is the page shown, where Sign in leads
    back to."""
    current_key, current_value = CURRENT.get(template, ("", ""))

    def link(key: str, label: str, button: bool = False) -> Link:
        current = current_value if key == current_key else None
        href = signin_href(base, back) if key == "signin" else f"{base}/{key}"
        return Link(label, href, current, button)

    if user is not None:
        pages = (
            link("products", "Products"),
            link("subscriptions", "Subscriptions"),
            link("profile", "Profile"),
        )
        return Menu(user, pages, ())
    shown = () if portal_settings.signin_required(ctx) else (link("products", "Products"),)
    account = [link("signin", "Sign in")]
    if signup_offered(ctx):
        account.append(link("signup", "Sign up", button=True))
    return Menu(None, shown, tuple(account))


def service_of(request: Request) -> str | None:
    """The service a portal path names (its first segment), if it may be one: for the
    requests no route took, whose path holds no parameters."""
    path = below_root(request)
    name = path.split("/")[1] if path.count("/") >= 2 else ""
    return name if possible_name(name) else None


def possible_name(name: str) -> bool:
    """Whether an instance could have this name: anything else is not looked up at all."""
    return 1 <= len(name) <= 50 and NAME_PATTERN.fullmatch(name) is not None
