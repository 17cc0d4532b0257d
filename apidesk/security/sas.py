"""Shared-access signatures for users, signed with an instance's tenant access key.

Token shape, as APIM returns it: `{userId}&{expiry yyyyMMddHHmm UTC}&{base64 signature}`,
where the signature is HMAC-SHA512 over `userId + "\\n" + expiry` keyed with the UTF-8 bytes
of the chosen tenant key. Rotating that key invalidates every token signed with it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

_FORMAT = "%Y%m%d%H%M"


@dataclass(frozen=True)
class ParsedToken:
    user_id: str
    expiry: datetime
    signature: str
    expiry_text: str


def _sign(key: str, user_id: str, expiry_text: str) -> str:
    mac = hmac.new(key.encode("utf-8"), f"{user_id}\n{expiry_text}".encode(), hashlib.sha512)
    return base64.b64encode(mac.digest()).decode("ascii")


def create(key: str, user_id: str, expiry: datetime) -> str:
    expiry_text = expiry.astimezone(UTC).strftime(_FORMAT)
    return f"{user_id}&{expiry_text}&{_sign(key, user_id, expiry_text)}"


def parse(token: str) -> ParsedToken | None:
    # The user id may itself contain '&'; the expiry and signature never do.
    head, sep, signature = token.rpartition("&")
    if not sep:
        return None
    user_id, sep, expiry_text = head.rpartition("&")
    if not sep or not user_id or len(expiry_text) != 12 or not expiry_text.isdigit():
        return None
    try:
        expiry = datetime.strptime(expiry_text, _FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None
    return ParsedToken(user_id, expiry, signature, expiry_text)


def verify(token: ParsedToken, keys: list[str], now: datetime) -> bool:
    """True when the token is unexpired and signed by one of `keys`."""
    if token.expiry <= now:
        return False
    expected = token.signature.encode("ascii", "replace")
    return any(
        hmac.compare_digest(_sign(key, token.user_id, token.expiry_text).encode(), expected)
        for key in keys
    )
