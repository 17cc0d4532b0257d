"""The secret box derives its keys with the standard library (issue 12, CLI start-up): the
derivation must stay exactly the HKDF that `cryptography` computes, or every secret sealed
before would stop opening and every database would refuse its key."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from apidesk.security.secretbox import SecretBox, SecretKeyError, _derive


@pytest.mark.parametrize(
    "purpose",
    [
        b"apidesk encryption v1",
        b"apidesk lookup digest v1",
        b"apidesk web csrf v1",
        b"",
        b"x" * 300,
    ],
)
def test_derive_is_cryptography_hkdf_sha256(purpose: bytes) -> None:
    for master in (bytes(32), bytes(range(32)), os.urandom(32)):
        expected = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
            master
        )
        assert _derive(master, purpose) == expected


def test_a_known_key_keeps_its_fingerprint() -> None:
    # Computed with the cryptography HKDF before the derivation moved to the standard library.
    assert SecretBox(bytes(range(32))).fingerprint == KNOWN_FINGERPRINT


def test_sealed_secrets_still_open_and_tampering_is_refused() -> None:
    box = SecretBox(bytes(range(32)))
    sealed = box.encrypt("s3cret", context="key")
    assert box.decrypt(sealed, context="key") == "s3cret"
    with pytest.raises(SecretKeyError):
        SecretBox(bytes(32)).decrypt(sealed, context="key")
    with pytest.raises(SecretKeyError):
        box.decrypt(sealed, context="other")


KNOWN_FINGERPRINT = "f33bde15c1c750b811ddd216d0da0f69"
