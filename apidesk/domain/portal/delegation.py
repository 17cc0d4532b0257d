"""Delegation: the portal hands sign-in, sign-up, account and subscription operations to the
publisher's own site, the way API Management does.

The portal redirects to the publisher's delegation URL with `operation`, the operation's
parameters, a fresh `salt` and `sig`, where

    sig = base64(HMAC-SHA512(key = base64decode(validationKey), message = UTF-8 string))

and the string to sign is `salt + "\\n" + returnUrl` for SignIn and SignUp,
`salt + "\\n" + userId` for the account operations (SignOut, ChangePassword, ChangeProfile,
CloseAccount), `salt + "\\n" + productId + "\\n" + userId` for Subscribe, and
`salt + "\\n" + subscriptionId` for Unsubscribe and Renew. The publisher checks the signature,
does the work, and signs the user back in through `generateSsoUrl`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from apidesk.domain import validation
from apidesk.domain.context import InstanceContext
from apidesk.domain.portal import settings


class Operation(StrEnum):
    SIGN_IN = "SignIn"
    SIGN_UP = "SignUp"
    SIGN_OUT = "SignOut"
    CHANGE_PASSWORD = "ChangePassword"  # noqa: S105 (an operation name)
    CHANGE_PROFILE = "ChangeProfile"
    CLOSE_ACCOUNT = "CloseAccount"
    SUBSCRIBE = "Subscribe"
    UNSUBSCRIBE = "Unsubscribe"
    RENEW = "Renew"


REGISTRATION = frozenset(
    {
        Operation.SIGN_IN,
        Operation.SIGN_UP,
        Operation.SIGN_OUT,
        Operation.CHANGE_PASSWORD,
        Operation.CHANGE_PROFILE,
        Operation.CLOSE_ACCOUNT,
    }
)
SUBSCRIPTIONS = frozenset({Operation.SUBSCRIBE, Operation.UNSUBSCRIBE, Operation.RENEW})
# The parameters each operation carries, in the order they are signed.
PARAMETERS: dict[Operation, tuple[str, ...]] = {
    Operation.SIGN_IN: ("returnUrl",),
    Operation.SIGN_UP: ("returnUrl",),
    Operation.SIGN_OUT: ("userId",),
    Operation.CHANGE_PASSWORD: ("userId",),
    Operation.CHANGE_PROFILE: ("userId",),
    Operation.CLOSE_ACCOUNT: ("userId",),
    Operation.SUBSCRIBE: ("productId", "userId"),
    Operation.UNSUBSCRIBE: ("subscriptionId",),
    Operation.RENEW: ("subscriptionId",),
}


def string_to_sign(operation: Operation, salt: str, parameters: dict[str, str]) -> str:
    missing = [name for name in PARAMETERS[operation] if name not in parameters]
    if missing:
        raise ValueError(f"{operation} needs {', '.join(missing)}")
    return "\n".join([salt, *(parameters[name] for name in PARAMETERS[operation])])


def sign(key: bytes, message: str) -> str:
    return base64.b64encode(hmac.new(key, message.encode("utf-8"), hashlib.sha512).digest()).decode(
        "ascii"
    )


def verify(key: bytes, message: str, signature: str) -> bool:
    """What a publisher's site does with a delegation request: compare in constant time."""
    return hmac.compare_digest(sign(key, message).encode("ascii"), signature.encode("ascii"))


def is_delegated(ctx: InstanceContext, operation: Operation) -> bool:
    current = settings.delegation(ctx)
    if not current.url:
        return False
    if operation in SUBSCRIPTIONS:
        return current.subscriptions
    return current.user_registration


@dataclass(frozen=True)
class Redirect:
    url: str
    salt: str
    signature: str


def _with_query(url: str, extra: list[tuple[str, str]]) -> str:
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *extra], quote_via=quote)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def redirect(ctx: InstanceContext, operation: Operation, **parameters: str) -> Redirect | None:
    """Where to send the browser for `operation`, or None when it is not delegated (the
    portal then does the work itself)."""
    if not is_delegated(ctx, operation):
        return None
    url = settings.delegation(ctx).url
    key = settings.signing_key(ctx)
    if url is None or key is None:  # both are set whenever delegation is on
        return None
    salt = str(uuid.uuid4())
    signature = sign(key, string_to_sign(operation, salt, parameters))
    query = [
        ("operation", str(operation)),
        *((name, parameters[name]) for name in PARAMETERS[operation]),
        ("salt", salt),
        ("sig", signature),
    ]
    return Redirect(_with_query(url, query), salt, signature)


def publisher_origin(ctx: InstanceContext) -> str | None:
    """The scheme, host and port of the publisher's site while any delegation is on: portal
    forms whose answers redirect there must be allowed to (CSP `form-action`)."""
    current = settings.delegation(ctx)
    if not current.url or not (current.user_registration or current.subscriptions):
        return None
    parts = urlsplit(current.url)
    # As a browser names it (a URL saved before hosts were kept in ASCII may not be).
    host = validation.ascii_host(parts.hostname or "")
    if host is None:
        return None
    return f"{parts.scheme}://{validation.netloc(host, parts.port)}"
