"""The key check: may this request, with this key, call this API right now?

Indexed queries (see `store.py`) and a few comparisons, with nothing cached: a block, a
suspension, a key rotation or a deletion is seen by the very next check. One query finds the
API by the longest path prefix, and with it the subscription (its owner and product) of the key
under the default names, which most APIs use; only for an API with names of its own, where the
request carries another key there, does a second query find that key's subscription.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote

from apidesk.domain.apis.service import DEFAULT_HEADER, DEFAULT_QUERY
from apidesk.gateway.store import API_COLUMNS, MAX_CANDIDATES, Reads
from apidesk.security.secretbox import SecretBox

MAX_SEGMENTS = MAX_CANDIDATES - 1
SERVICE_NAME = re.compile(r"[a-zA-Z](?:[a-zA-Z0-9-]{0,48}[a-zA-Z0-9])?")
MAX_KEY_LENGTH = 256

MISSING_KEY = (
    "Access denied due to missing subscription key. Make sure to include subscription key "
    "when making requests to an API."
)
INVALID_KEY = (
    "Access denied due to invalid subscription key. Make sure to provide a valid key for an "
    "active subscription."
)


@dataclass(frozen=True)
class Decision:
    status: int
    reason: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        return self.status == 200


def _refuse(status: int, reason: str, message: str) -> Decision:
    return Decision(status, reason, message)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ENCODED_SEPARATOR = re.compile(r"%(2f|5c)", re.IGNORECASE)


def segments(path: str) -> list[str] | None:
    """The decoded, lowercased segments of a request path, or None when the path could mean
    something else to the proxy or the backend than to this check: dot segments, empty
    segments, encoded or back slashes and control characters are refused rather than guessed
    at, so no path reaches one API while being checked as another."""
    if not path.startswith("/") or _ENCODED_SEPARATOR.search(path):
        return None
    raw = path[1:].split("/")
    if raw and raw[-1] == "":
        raw = raw[:-1]  # one trailing slash is harmless
    decoded = [unquote(part) for part in raw]
    for part in decoded:
        if part in ("", ".", "..") or "\\" in part or _CONTROL.search(part):
            return None
    return [part.lower() for part in decoded]


def candidate_paths(parts: list[str]) -> list[str]:
    """`['v1', 'echo', 'items']` → `['v1/echo/items', 'v1/echo', 'v1', '']`."""
    parts = parts[:MAX_SEGMENTS]
    return ["/".join(parts[:count]) for count in range(len(parts), -1, -1)]


@dataclass(frozen=True)
class Call:
    """The original request as the proxy describes it."""

    uri: str
    headers: dict[str, str]

    def path(self) -> str:
        # Split by hand: urlsplit would read a leading "//name" as a host.
        return self.uri.split("#", 1)[0].split("?", 1)[0]

    def query(self) -> str:
        before_fragment = self.uri.split("#", 1)[0]
        return before_fragment.split("?", 1)[1] if "?" in before_fragment else ""

    def query_value(self, name: str) -> str | None:
        for key, value in parse_qsl(self.query(), keep_blank_values=True):
            if key == name:
                return value
        return None

    def key(self, header_name: str, query_name: str) -> str | None:
        """The key under these names: the header's, else the query parameter's."""
        key = self.headers.get(header_name.lower())
        if key is None:
            key = self.query_value(query_name)
        return key.strip() if key else key


async def check(reads: Reads, secrets: SecretBox, service: str, call: Call) -> Decision:
    if not SERVICE_NAME.fullmatch(service):
        return _refuse(403, "unknown-service", "There is no service by that name.")
    service = service.lower()
    parts = segments(call.path())
    if parts is None:
        return _refuse(
            403, "ambiguous-path", "Access denied: the request path is ambiguous or malformed."
        )
    likely = call.key(DEFAULT_HEADER, DEFAULT_QUERY)
    likely_digest = (
        secrets.lookup_digest(likely) if likely and len(likely) <= MAX_KEY_LENGTH else None
    )
    found = await reads.api(service, candidate_paths(parts), likely_digest)
    if found is None:
        if not await reads.service_exists(service):
            return _refuse(403, "unknown-service", f"There is no service named '{service}'.")
        return _refuse(403, "api-not-found", "No API is published at this path.")
    api, with_likely = found[:API_COLUMNS], found[API_COLUMNS:]
    api_id, api_name, key_required, header_name, query_name, instance_id, open_product = api
    base = {"X-Apidesk-Api-Id": header_safe(api_name)}
    key = call.key(header_name, query_name)
    if not key_required or (open_product and not key):
        return Decision(200, "open", "The API needs no key.", base)
    if not key:
        return _refuse(401, "key-missing", MISSING_KEY)
    if len(key) > MAX_KEY_LENGTH:
        return _refuse(401, "key-invalid", INVALID_KEY)
    if key == likely:
        row = None if with_likely[0] is None else with_likely
    else:
        row = await reads.key(instance_id, secrets.lookup_digest(key), api_id)
    if row is None:
        return _refuse(401, "key-invalid", INVALID_KEY)
    (sid, state, scope, scope_api, user, user_state, email, product, product_state, in_product) = (
        row
    )
    if state != "active":
        return _refuse(403, "subscription-inactive", f"Access denied: the subscription is {state}.")
    if user is not None and user_state != "active":
        reason = "user-blocked" if user_state == "blocked" else "user-inactive"
        return _refuse(403, reason, f"Access denied: the subscription's owner is {user_state}.")
    if scope.startswith("/products/"):
        if product_state != "published":
            return _refuse(
                403, "product-not-published", "Access denied: the product is not published."
            )
        if not in_product:
            return _refuse(403, "out-of-scope", "Access denied: the key's product has no such API.")
    elif scope.startswith("/apis/") and scope_api != api_id:
        return _refuse(403, "out-of-scope", "Access denied: the key is for another API.")
    headers = {**base, "X-Apidesk-Subscription-Id": header_safe(sid)}
    if user is not None:
        headers["X-Apidesk-User-Id"] = header_safe(user)
        headers["X-Apidesk-User-Email"] = header_safe(email)
    if product is not None:
        headers["X-Apidesk-Product-Id"] = header_safe(product)
    return Decision(200, "allowed", "Allowed.", headers)


def header_safe(value: str) -> str:
    """Header values travel as ASCII: anything else is percent-encoded (UTF-8)."""
    return value if value.isascii() and value.isprintable() else quote(value, safe="@.+-_~!$&'*")
