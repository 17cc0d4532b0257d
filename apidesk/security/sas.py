"""Shared-access signatures, signed with an instance's tenant access key.

User tokens, as APIM returns them: `{userId}&{expiry yyyyMMddHHmm UTC}&{base64 signature}`,
where the signature is HMAC-SHA512 over `userId + "\\n" + expiry + "\\n" + stamp` keyed with
the UTF-8 bytes of the chosen tenant key. Rotating that key invalidates every token signed with
it. The stamp is the user's own random value (see `apidesk.storage.models.user`): it is not in
the token, so a token names a user id but speaks only for the account it was issued to.

Management signatures (`Authorization: SharedAccessSignature uid=...&ex=...&sn=...`) are
parsed here too; both parsers take any text a client sends and answer None for anything they
cannot read, never an exception.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

_FORMAT = "%Y%m%d%H%M"
# Twelve ASCII digits: `str.isdigit` (and `strptime`'s year) also take the digits of other
# scripts, which made an Arabic-Indic year a well-formed expiry.
_USER_EXPIRY = re.compile(r"[0-9]{12}")


@dataclass(frozen=True)
class ParsedToken:
    user_id: str
    expiry: datetime
    signature: str
    expiry_text: str


def _sign(key: str, user_id: str, expiry_text: str, stamp: str) -> str:
    message = f"{user_id}\n{expiry_text}\n{stamp}".encode()
    return base64.b64encode(hmac.new(key.encode("utf-8"), message, hashlib.sha512).digest()).decode(
        "ascii"
    )


def create(key: str, user_id: str, expiry: datetime, stamp: str) -> str:
    expiry_text = expiry.astimezone(UTC).strftime(_FORMAT)
    return f"{user_id}&{expiry_text}&{_sign(key, user_id, expiry_text, stamp)}"


def parse(token: str) -> ParsedToken | None:
    # The user id may itself contain '&'; the expiry and signature never do.
    head, sep, signature = token.rpartition("&")
    if not sep:
        return None
    user_id, sep, expiry_text = head.rpartition("&")
    if not sep or not user_id or not _USER_EXPIRY.fullmatch(expiry_text):
        return None
    try:
        expiry = datetime.strptime(expiry_text, _FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None
    return ParsedToken(user_id, expiry, signature, expiry_text)


def verify(token: ParsedToken, keys: list[str], now: datetime, stamp: str) -> bool:
    """True when the token is unexpired and signed by one of `keys` for the account whose
    stamp is `stamp`."""
    if token.expiry <= now:
        return False
    expected = token.signature.encode("ascii", "replace")
    return any(
        hmac.compare_digest(_sign(key, token.user_id, token.expiry_text, stamp).encode(), expected)
        for key in keys
    )


@dataclass(frozen=True)
class ManagementSignature:
    uid: str
    expiry: datetime
    expiry_text: str
    signature: str


# ASCII digits only (`re.ASCII`: a plain `\d` takes the digits of every script).
_EXPIRY = re.compile(
    r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?", re.ASCII
)


def parse_management(token: str) -> ManagementSignature | None:
    """`uid={principal}&ex={expiry, round-trip format}&sn={base64 signature}`, or None."""
    parts = dict(part.partition("=")[::2] for part in token.split("&"))
    uid, expiry_text, signature = parts.get("uid"), parts.get("ex"), parts.get("sn")
    if not uid or not expiry_text or not signature:
        return None
    expiry = _management_expiry(expiry_text)
    if expiry is None:
        return None
    return ManagementSignature(uid, expiry, expiry_text, signature)


def _management_expiry(text: str) -> datetime | None:
    match = _EXPIRY.fullmatch(text)
    if match is None:
        return None
    fraction = (match.group(2) or "0")[:6].ljust(6, "0")
    zone = match.group(3) or "Z"
    try:
        parsed = datetime.fromisoformat(
            f"{match.group(1)}.{fraction}{'+00:00' if zone == 'Z' else zone}"
        )
        # A date at either end of the calendar with a zone offset lies outside it in UTC.
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def verify_management(token: ManagementSignature, keys: list[str], now: datetime) -> bool:
    """True when the signature is unexpired and made with one of `keys`."""
    if token.expiry <= now:
        return False
    message = f"{token.uid}\n{token.expiry_text}".encode()
    given = token.signature.encode("ascii", "replace")
    return any(
        hmac.compare_digest(
            base64.b64encode(hmac.new(key.encode(), message, hashlib.sha512).digest()), given
        )
        for key in keys
    )
