"""Hand-offs to the publisher's site while delegation is on (apidesk.domain.portal.delegation):
the portal's sign-in, sign-up and sign-out send the browser there, signed, instead of doing
the work themselves."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse

from apidesk.domain.context import InstanceContext
from apidesk.domain.notifications.values import portal_base_url
from apidesk.domain.portal import delegation
from apidesk.domain.portal.delegation import Operation
from apidesk.domain.validation import path_escapes


def portal_page(value: str | None, base: str) -> str:
    """`value` when it is a page of the portal whose base path is `base`, else the portal's
    home: a sign-in, or a hand-off, never leads to another site, another part of this server,
    or out of the portal by a dot segment ('/portal/x/../../console' is '/console' to a
    browser, and so is '%2e%2e'), nor by an encoded slash or backslash, which a proxy in front
    may decode before it resolves the path."""
    home = f"{base}/"
    if not value or not value.startswith(home) or value.startswith("//") or "\\" in value:
        return home
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value) or len(value) > 2000:
        return home
    if path_escapes(value.split("?", 1)[0].split("#", 1)[0]):
        return home
    return value


def hand_off(
    ctx: InstanceContext, operation: Operation, *, status: int = 302, **parameters: str
) -> RedirectResponse | None:
    """The redirect to the publisher for `operation`, or None when the portal does it."""
    target = delegation.redirect(ctx, operation, **parameters)
    if target is None:
        return None
    return RedirectResponse(target.url, status_code=status, headers={"Cache-Control": "no-store"})


def registration_hand_off(
    ctx: InstanceContext, request: Request, operation: Operation, base: str
) -> RedirectResponse | None:
    """SignIn or SignUp: the publisher is told where the visitor wants to come back to (a
    page below `base`, the portal's path where it was asked). The publisher signs the
    developer in with a `generateSsoUrl` link, which leads to the portal's own address: the
    way back is told as a path there."""
    return_url = portal_page(request.query_params.get("returnUrl"), base)
    own = urlsplit(portal_base_url(ctx)).path.rstrip("/")
    return hand_off(ctx, operation, returnUrl=own + return_url[len(base) :])
