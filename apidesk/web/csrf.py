"""CSRF protection for the web front doors.

A form's token is an HMAC, under a key derived from the deployment's secret, of a random
per-browser value (kept in an HttpOnly cookie) and the browser's session token: a token taken
from one browser, or from before a sign-in, does not work in another. On top of the token, the
form must come from the site's own origin (`Origin`, or failing that `Referer`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from urllib.parse import urlsplit

from apidesk.domain.validation import ascii_host, netloc
from apidesk.errors import Invalid

FIELD = "csrf"

_DEFAULT_PORTS = {"http": 80, "https": 443}


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def token(key: bytes, door: str, nonce: str, session: str | None) -> str:
    message = f"{door}\x00{nonce}\x00{session or ''}".encode()
    mac = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def check_or_raise(
    key: bytes,
    door: str,
    *,
    sent: object,
    nonce: str | None,
    session: str | None,
    claimed_origin: str | None,
    own_origin: str | None,
) -> None:
    """Raise `Invalid` unless the token matches this browser and session and the form came
    from `own_origin`. A request naming no origin at all is no browser's cross-site form."""
    if not nonce or not isinstance(sent, str) or len(sent) > 200:
        raise Invalid.field(FIELD, "The form has expired; reload the page and try again.")
    expected = token(key, door, nonce, session)
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Invalid.field(FIELD, "The form has expired; reload the page and try again.")
    if (
        claimed_origin is not None
        and own_origin is not None
        and claimed_origin.lower() != own_origin.lower()
    ):
        raise Invalid.field(
            "origin", "The form was sent from another site; open this page and try again."
        )


def claimed_origin(headers: Mapping[str, str]) -> str | None:
    """Where a browser says a request came from: Origin, or the origin of its Referer."""
    origin = headers.get("origin")
    if origin is not None:
        return origin
    referer = headers.get("referer")
    return origin_of(referer) if referer is not None else None


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL, as a browser writes it in Origin ("null" if none)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "null"
    # The host as a browser writes it: an internationalized name in its ASCII spelling.
    name = parts.hostname
    if name and not name.isascii():
        name = ascii_host(name)
    if not parts.scheme or name is None:
        return "null"
    shown = None if port == _DEFAULT_PORTS.get(parts.scheme) else port
    return f"{parts.scheme}://{netloc(name, shown)}".lower()
