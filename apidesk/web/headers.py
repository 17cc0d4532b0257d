"""The headers every HTML page of the web front doors carries."""

from __future__ import annotations

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
