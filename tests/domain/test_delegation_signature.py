"""Delegation signatures as APIM computes them, checked against `openssl`."""

from __future__ import annotations

import base64
import os

import pytest
from support.openssl import hmac_sha512_base64

from apidesk.domain.portal.delegation import Operation, sign, string_to_sign, verify

KEY = base64.b64decode(
    "VGhpcyBpcyBhIGRlbGVnYXRpb24gdmFsaWRhdGlvbiBrZXkgZm9yIHRlc3RzIG9ubHkgLSA2NCBieXRlcyEhISE="
)

CASES = [
    (Operation.SIGN_IN, {"returnUrl": "/portal/shop/"}, "s1\n/portal/shop/"),
    (
        Operation.SIGN_UP,
        {"returnUrl": "/portal/shop/products?x=1"},
        "s1\n/portal/shop/products?x=1",
    ),
    (Operation.SIGN_OUT, {"userId": "u-1"}, "s1\nu-1"),
    (Operation.CHANGE_PASSWORD, {"userId": "u-1"}, "s1\nu-1"),
    (Operation.CHANGE_PROFILE, {"userId": "u-1"}, "s1\nu-1"),
    (Operation.CLOSE_ACCOUNT, {"userId": "u-1"}, "s1\nu-1"),
    (Operation.SUBSCRIBE, {"productId": "gold", "userId": "u-1"}, "s1\ngold\nu-1"),
    (Operation.UNSUBSCRIBE, {"subscriptionId": "sub-9"}, "s1\nsub-9"),
    (Operation.RENEW, {"subscriptionId": "sub-9"}, "s1\nsub-9"),
]


@pytest.mark.parametrize(("operation", "parameters", "expected"), CASES)
def test_each_operation_signs_the_documented_string(
    operation: Operation, parameters: dict[str, str], expected: str
) -> None:
    assert string_to_sign(operation, "s1", parameters) == expected


@pytest.mark.parametrize(("operation", "parameters", "expected"), CASES)
def test_signatures_match_openssl(
    operation: Operation, parameters: dict[str, str], expected: str
) -> None:
    message = string_to_sign(operation, "s1", parameters)
    assert sign(KEY, message) == hmac_sha512_base64(KEY, expected)


def test_non_ascii_parameters_are_signed_as_utf8() -> None:
    key = os.urandom(64)
    message = string_to_sign(Operation.SUBSCRIBE, "sält", {"productId": "café", "userId": "ü"})
    assert sign(key, message) == hmac_sha512_base64(key, "sält\ncafé\nü")


def test_verify_accepts_only_the_right_signature() -> None:
    message = string_to_sign(Operation.SIGN_IN, "salt", {"returnUrl": "/"})
    good = hmac_sha512_base64(KEY, "salt\n/")
    assert verify(KEY, message, good)
    assert not verify(KEY, message, hmac_sha512_base64(os.urandom(64), "salt\n/"))
    assert not verify(KEY, string_to_sign(Operation.SIGN_IN, "salt", {"returnUrl": "/x"}), good)


def test_a_missing_parameter_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="productId"):
        string_to_sign(Operation.SUBSCRIBE, "s", {"userId": "u"})
