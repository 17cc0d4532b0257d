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
from apidesk.web.paths import page_below


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
    return_url = page_below(request.query_params.get("returnUrl"), base)
    own = urlsplit(portal_base_url(ctx)).path.rstrip("/")
    return hand_off(ctx, operation, returnUrl=own + return_url[len(base) :])
