"""Hand-offs to the publisher's site while delegation is on (apidesk.domain.portal.delegation):
the portal's sign-in, sign-up and sign-out send the browser there, signed, instead of doing
the work themselves."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse

from apidesk.domain.context import InstanceContext
from apidesk.domain.portal import delegation
from apidesk.domain.portal.delegation import Operation


def own_path(value: str | None, fallback: str) -> str:
    """A path on this portal, or `fallback`: a hand-off never names another site as the
    place to come back to."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return fallback
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value) or len(value) > 2000:
        return fallback
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
    """SignIn or SignUp: the publisher is told where the visitor wants to come back to."""
    return_url = own_path(request.query_params.get("returnUrl"), f"{base}/")
    return hand_off(ctx, operation, returnUrl=return_url)
