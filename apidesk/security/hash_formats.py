"""Password hashes made by the systems people migrate from.

Users imported with a hash keep it until they next sign in; the password they type is then
checked against it and the hash replaced by argon2id (`apidesk.domain.signin`). Accepted:

- argon2 in PHC form (`$argon2id$`, `$argon2i$`, `$argon2d$`), any parameters up to the limits;
- bcrypt (`$2a$`, `$2b$`, `$2y$`);
- Django's PBKDF2-SHA256: `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`;
- Keycloak's PBKDF2 (`pbkdf2-sha256`, `pbkdf2-sha512`), stored as
  `keycloak-pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash>`; the credential JSON of a
  Keycloak realm export (`secretData` + `credentialData`) is turned into that on import.

A hash decides how much work checking a password against it takes. An imported hash is
untrusted input, so its cost is bounded (`Limits`): otherwise one row could make every sign-in
attempt on that address burn seconds of CPU or gigabytes of memory.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import bcrypt
from argon2 import Parameters, Type, extract_parameters
from argon2.exceptions import InvalidHashError

# Stored in a column of this width.
MAX_STORED_LENGTH = 255
# bcrypt ignores what lies past this many bytes of the password; every bcrypt library did.
_BCRYPT_PASSWORD_BYTES = 72


class Kind(StrEnum):
    ARGON2 = "argon2"
    BCRYPT = "bcrypt"
    DJANGO_PBKDF2 = "django-pbkdf2-sha256"
    KEYCLOAK_PBKDF2 = "keycloak-pbkdf2"


@dataclass(frozen=True)
class Limits:
    """The most work an imported hash may ask of one sign-in."""

    bcrypt_cost: int = 13
    pbkdf2_iterations: int = 1_500_000
    argon2_memory_kib: int = 131_072
    argon2_time_cost: int = 10
    argon2_parallelism: int = 16


class UnusableHash(ValueError):
    """Not a hash Apidesk can check, or one that asks for too much work; says which."""


@dataclass(frozen=True)
class Parsed:
    kind: Kind
    text: str
    # PBKDF2 only.
    digest: str = ""
    iterations: int = 0
    salt: bytes = b""
    expected: bytes = b""
    # argon2 only.
    argon2: Parameters | None = None
    # bcrypt only.
    cost: int = 0


_BCRYPT = re.compile(r"\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}", re.ASCII)
_B64 = r"([A-Za-z0-9+/]+={0,2})"
_DJANGO = re.compile(r"pbkdf2_sha256\$(\d{1,10})\$([!-#%-~]{1,128})\$" + _B64, re.ASCII)
_KEYCLOAK = re.compile(
    r"keycloak-pbkdf2-(sha256|sha512)\$(\d{1,10})\$" + _B64 + r"\$" + _B64, re.ASCII
)
KEYCLOAK_ALGORITHMS = {"pbkdf2-sha256": "sha256", "pbkdf2-sha512": "sha512"}
_ARGON2_TYPES = {"argon2id": Type.ID, "argon2i": Type.I, "argon2d": Type.D}


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise UnusableHash("its base64 part is malformed") from None


def parse(text: str) -> Parsed:
    """Recognize a stored hash; `UnusableHash` when it is none Apidesk knows."""
    if len(text) > MAX_STORED_LENGTH:
        raise UnusableHash(f"it is longer than {MAX_STORED_LENGTH} characters")
    if text.startswith("$argon2"):
        prefix = text[1:].split("$", 1)[0]
        if prefix not in _ARGON2_TYPES:
            raise UnusableHash(f"'{prefix}' is not an argon2 variant")
        try:
            parameters = extract_parameters(text)
        except (InvalidHashError, ValueError):
            raise UnusableHash("it is not a well-formed argon2 PHC string") from None
        return Parsed(Kind.ARGON2, text, argon2=parameters)
    if text.startswith("$2"):
        match = _BCRYPT.fullmatch(text)
        if match is None:
            raise UnusableHash("it is not a well-formed bcrypt hash ($2a$, $2b$ or $2y$)")
        return Parsed(Kind.BCRYPT, text, cost=int(match.group(1)))
    if text.startswith("pbkdf2_sha256$"):
        match = _DJANGO.fullmatch(text)
        if match is None:
            raise UnusableHash("it is not a well-formed Django pbkdf2_sha256 hash")
        expected = _b64(match.group(3))
        if len(expected) != hashlib.sha256().digest_size:
            raise UnusableHash("a Django pbkdf2_sha256 hash holds 32 bytes")
        return Parsed(
            Kind.DJANGO_PBKDF2,
            text,
            digest="sha256",
            iterations=int(match.group(1)),
            salt=match.group(2).encode("ascii"),
            expected=expected,
        )
    if text.startswith("keycloak-pbkdf2-"):
        match = _KEYCLOAK.fullmatch(text)
        if match is None:
            raise UnusableHash("it is not a well-formed keycloak-pbkdf2 hash")
        expected = _b64(match.group(4))
        if not 16 <= len(expected) <= 128:
            raise UnusableHash("its derived key must be 16 to 128 bytes long")
        return Parsed(
            Kind.KEYCLOAK_PBKDF2,
            text,
            digest=match.group(1),
            iterations=int(match.group(2)),
            salt=_b64(match.group(3)),
            expected=expected,
        )
    raise UnusableHash(
        "it is none of the accepted formats: argon2 (PHC), bcrypt, Django pbkdf2_sha256, "
        "keycloak-pbkdf2-sha256/sha512"
    )


def check_cost(parsed: Parsed, limits: Limits, own: Parameters | None = None) -> None:
    """Refuse a hash that would make checking a password too costly. Hashes with the
    service's own argon2 parameters (`own`) always pass: an export can be imported again."""
    if parsed.kind is Kind.ARGON2:
        p = parsed.argon2
        assert p is not None
        bounds = (
            ("memory cost", p.memory_cost, limits.argon2_memory_kib, own and own.memory_cost),
            ("time cost", p.time_cost, limits.argon2_time_cost, own and own.time_cost),
            ("parallelism", p.parallelism, limits.argon2_parallelism, own and own.parallelism),
        )
        for name, value, limit, mine in bounds:
            highest = max(limit, mine or 0)
            if value > highest:
                raise UnusableHash(f"its argon2 {name} ({value}) is above the limit of {highest}")
    elif parsed.kind is Kind.BCRYPT:
        if not 4 <= parsed.cost <= limits.bcrypt_cost:
            raise UnusableHash(
                f"its bcrypt cost ({parsed.cost}) is outside 4 to {limits.bcrypt_cost}"
            )
    elif not 1 <= parsed.iterations <= limits.pbkdf2_iterations:
        raise UnusableHash(
            f"its PBKDF2 iteration count ({parsed.iterations}) is outside 1 to "
            f"{limits.pbkdf2_iterations}"
        )


def verify_pbkdf2_or_bcrypt(parsed: Parsed, password: str) -> bool:
    """Check a password against a bcrypt or PBKDF2 hash. Each format always does its whole
    computation and compares in constant time, so timing tells nothing about the password."""
    secret = password.encode("utf-8")
    if parsed.kind is Kind.BCRYPT:
        return bool(bcrypt.checkpw(secret[:_BCRYPT_PASSWORD_BYTES], parsed.text.encode("ascii")))
    derived = hashlib.pbkdf2_hmac(
        parsed.digest, secret, parsed.salt, parsed.iterations, dklen=len(parsed.expected)
    )
    return hmac.compare_digest(derived, parsed.expected)


def from_keycloak(credential: Mapping[str, Any]) -> str:
    """Keycloak's password credential (`secretData` and `credentialData`, each a JSON text
    or an object, as a realm export writes them) in Apidesk's one-field form."""

    def part(name: str) -> Mapping[str, Any]:
        value = credential.get(name)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise UnusableHash(f"its '{name}' is not valid JSON") from None
        if not isinstance(value, Mapping):
            raise UnusableHash(f"a Keycloak credential needs '{name}'")
        return value

    secret, data = part("secretData"), part("credentialData")
    algorithm = data.get("algorithm")
    if algorithm not in KEYCLOAK_ALGORITHMS:
        raise UnusableHash(
            f"the Keycloak algorithm {algorithm!r} is not one of "
            f"{', '.join(sorted(KEYCLOAK_ALGORITHMS))}"
        )
    iterations, salt, value = data.get("hashIterations"), secret.get("salt"), secret.get("value")
    if not isinstance(iterations, int) or isinstance(iterations, bool):
        raise UnusableHash("a Keycloak credential needs an integer 'hashIterations'")
    if not isinstance(salt, str) or not isinstance(value, str):
        raise UnusableHash("a Keycloak credential needs 'salt' and 'value' in its secretData")
    text = f"keycloak-{algorithm}${iterations}${salt}${value}"
    parse(text)
    return text


def normalize(value: Any) -> str:
    """What an import row gives as its password hash, as it will be stored: a hash string as
    it is, or a Keycloak credential (an object, or its JSON text) in its one-field form."""
    if isinstance(value, Mapping):
        return from_keycloak(value)
    if not isinstance(value, str):
        raise UnusableHash("it must be a string (or a Keycloak credential object)")
    text = value.strip()
    if text.startswith("{"):
        try:
            decoded = json.loads(text)
        except ValueError:
            raise UnusableHash("it looks like JSON but is not valid JSON") from None
        if not isinstance(decoded, Mapping):
            raise UnusableHash("a Keycloak credential is a JSON object")
        return from_keycloak(decoded)
    parse(text)
    return text
