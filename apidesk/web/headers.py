"""The headers every HTML page of the web front doors carries."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

# No inline script or style anywhere: everything comes from our own static files.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    # Not no-referrer: with it, chromium sends `Origin: null` on a page's own forms, and the
    # origin check could not tell them from a forged one. A link's token still never leaves
    # the site in a Referer.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}


# The same as they go on the wire, encoded once: a new page's response gets them as they are.
RAW_PAGE_HEADERS = [
    (name.lower().encode("latin-1"), value.encode("latin-1"))
    for name, value in PAGE_HEADERS.items()
]


def keep_link_private(request: Request, response: Response) -> None:
    """A page opened from an e-mailed link (`?token=`) names no more than its origin in the
    Referer of what it loads: its own styles and scripts included, so the token stays out of
    the access log of a proxy in front, which records each request's Referer. Forms still
    send their true Origin (only no-referrer turns it into "null")."""
    if "token" in request.query_params:
        response.headers["Referrer-Policy"] = "strict-origin"
