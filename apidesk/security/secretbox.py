"""Secrets at rest: AES-GCM encryption and keyed digests for lookups.

One deployment key (32 bytes) is expanded with HKDF into an encryption key and a digest key.
Values are stored as `v1.<base64 nonce+ciphertext>`, so a later key rotation can add `v2`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stat
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from apidesk.files import warn_if_shared

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# `cryptography` is imported when a secret is first sealed or opened: every command builds a
# `SecretBox` and checks its fingerprint, few touch a secret (issue 12, CLI start-up).

_VERSION = "v1"


class SecretKeyError(RuntimeError):
    """The configured key is unusable or is not the one this database was set up with."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    """HKDF-SHA256 (RFC 5869) with no salt, 32 bytes out: one extract step and one expand
    block, which is what `cryptography`'s `HKDF(SHA256(), 32, None, purpose)` computes
    (tests/security/test_secretbox.py compares the two)."""
    extracted = hmac.new(bytes(32), master, hashlib.sha256).digest()
    return hmac.new(extracted, purpose + b"\x01", hashlib.sha256).digest()


class SecretBox:
    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise SecretKeyError("the secret key must be 32 bytes (base64 of 32 random bytes)")
        self._encryption_key = _derive(master_key, b"apidesk encryption v1")
        self._digest_key = _derive(master_key, b"apidesk lookup digest v1")
        # Signs the CSRF tokens of the web front doors.
        self.csrf_key = _derive(master_key, b"apidesk web csrf v1")
        self.fingerprint = hmac.new(
            _derive(master_key, b"apidesk fingerprint v1"), b"apidesk", hashlib.sha256
        ).hexdigest()[:32]

    @cached_property
    def _aead(self) -> AESGCM:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        return AESGCM(self._encryption_key)

    def encrypt(self, plaintext: str, *, context: str = "") -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
        return f"{_VERSION}.{base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, stored: str, *, context: str = "") -> str:
        version, _, payload = stored.partition(".")
        if version != _VERSION:
            raise SecretKeyError(f"unknown secret format {version!r}")
        raw = base64.b64decode(payload)
        from cryptography.exceptions import InvalidTag

        try:
            plain = self._aead.decrypt(raw[:12], raw[12:], context.encode("utf-8"))
        except InvalidTag as exc:
            raise SecretKeyError(
                "a stored secret cannot be decrypted: the secret key differs from the one "
                "that encrypted it"
            ) from exc
        return plain.decode("utf-8")

    def lookup_digest(self, value: str) -> str:
        """A keyed digest: lets the database index a secret without holding it in clear."""
        return hmac.new(self._digest_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def load_or_create_key(secret: str | None, key_file: Path) -> bytes:
    """The deployment key from the setting, or from the key file (created when missing)."""
    if secret:
        try:
            key = base64.b64decode(secret, validate=True)
        except ValueError as exc:
            raise SecretKeyError("APIDESK_SECRET_KEY is not valid base64") from exc
        if len(key) != 32:
            raise SecretKeyError("APIDESK_SECRET_KEY must decode to 32 bytes")
        return key
    if key_file.exists():
        warn_if_shared(key_file)
        key = base64.b64decode(key_file.read_text().strip())
        if len(key) != 32:
            raise SecretKeyError(f"{key_file} does not hold a 32-byte base64 key")
        return key
    key = os.urandom(32)
    key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.b64encode(key).decode("ascii") + "\n")
    return key
