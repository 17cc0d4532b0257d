"""Random tokens that are shown once and stored only as digests."""

from __future__ import annotations

import hashlib
import hmac
import secrets

ADMIN_TOKEN_PREFIX = "apd_"  # noqa: S105 - a public prefix, not a secret


def new_token(prefix: str = "") -> str:
    """256 random bits, URL-safe."""
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored and looked up.

    The tokens carry 256 random bits, so a plain hash is enough: there is nothing to guess.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
