"""Users imported with a password hash from another system sign in with their password once,
and from then on their hash is argon2id. Each hash is made here with the format's own
algorithm, independently of Apidesk."""

from __future__ import annotations

import base64
import hashlib
import json
import os

import bcrypt
import httpx
import pytest
from argon2 import Type
from argon2.low_level import hash_secret
from sqlalchemy import select
from support.inprocess import InProcessServer
from support.portal import Browser
from support.server import ServiceRef

from apidesk.storage.models import Instance, User

V = {"api-version": "2024-05-01"}
PASSWORD = "migrated pässword 42"


def argon2(kind: Type) -> str:
    return hash_secret(
        PASSWORD.encode(),
        os.urandom(16),
        time_cost=1,
        memory_cost=1024,
        parallelism=2,
        hash_len=24,
        type=kind,
    ).decode()


def bcrypt_hash(prefix: str) -> str:
    made = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4, prefix=b"2b")).decode()
    return f"${prefix}$" + made[4:]  # 2a and 2y differ from 2b in name only


def django() -> str:
    salt = base64.b64encode(os.urandom(9)).decode()
    derived = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), salt.encode(), 1000)
    return f"pbkdf2_sha256$1000${salt}${base64.b64encode(derived).decode()}"


def keycloak(algorithm: str) -> dict[str, str]:
    """A password credential as a Keycloak realm export writes it."""
    salt = os.urandom(16)
    digest = "sha256" if algorithm == "pbkdf2-sha256" else "sha512"
    value = hashlib.pbkdf2_hmac(digest, PASSWORD.encode(), salt, 2000, dklen=64)
    return {
        "type": "password",
        "secretData": json.dumps(
            {"value": base64.b64encode(value).decode(), "salt": base64.b64encode(salt).decode()}
        ),
        "credentialData": json.dumps({"hashIterations": 2000, "algorithm": algorithm}),
    }


HASHES = {
    "argon2id": lambda: argon2(Type.ID),
    "argon2i": lambda: argon2(Type.I),
    "argon2d": lambda: argon2(Type.D),
    "bcrypt-2a": lambda: bcrypt_hash("2a"),
    "bcrypt-2b": lambda: bcrypt_hash("2b"),
    "bcrypt-2y": lambda: bcrypt_hash("2y"),
    "django": django,
    "keycloak-sha256": lambda: keycloak("pbkdf2-sha256"),
    "keycloak-sha512": lambda: keycloak("pbkdf2-sha512"),
}


def import_users(admin: httpx.Client, shop: ServiceRef, rows: list[dict[str, object]]) -> dict:
    body = "\n".join(json.dumps(row) for row in rows)
    response = admin.post(
        shop.url("/users/import"),
        params=V,
        content=body.encode(),
        headers={"Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text
    return response.json()


def stored_hash(app: InProcessServer, shop: ServiceRef, user_id: str) -> str:
    with app.runtime.database.unit_of_work(write=False) as session:
        return str(
            session.scalar(
                select(User.password_hash)
                .join(Instance, Instance.id == User.instance_id)
                .where(Instance.name == shop.name, User.name == user_id)
            )
        )


def sign_in(browser: Browser, shop: ServiceRef, email: str, password: str) -> httpx.Response:
    page = browser.get(f"/portal/{shop.name}/signin")
    return browser.submit(page, f"/portal/{shop.name}/signin", email=email, password=password)


@pytest.mark.parametrize("kind", list(HASHES))
def test_a_migrated_hash_signs_in_once_and_becomes_argon2id(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser, kind: str
) -> None:
    user_id = f"m-{kind}"
    email = f"{user_id}@example.com"
    given = HASHES[kind]()
    report = import_users(
        admin,
        shop,
        [{"id": user_id, "email": email, "firstName": "M", "lastName": "G", "passwordHash": given}],
    )
    assert report["created"] == 1 and report["errors"] == []
    foreign = stored_hash(app, shop, user_id)

    assert sign_in(browser, shop, email, PASSWORD + "x").status_code == 400
    assert stored_hash(app, shop, user_id) == foreign
    assert sign_in(browser, shop, email, PASSWORD).status_code == 303

    upgraded = stored_hash(app, shop, user_id)
    assert upgraded.startswith("$argon2id$") and upgraded != foreign
    assert not app.runtime.passwords.needs_rehash(upgraded)
    with app.portal() as other:
        assert sign_in(Browser(other), shop, email, PASSWORD).status_code == 303
        assert sign_in(Browser(other), shop, email, "wrong password").status_code == 400


def test_hashes_asking_for_too_much_work_or_of_unknown_formats_are_refused(
    admin: httpx.Client, shop: ServiceRef
) -> None:
    costly = {
        "bcrypt": "$2b$15$" + "a" * 53,
        "django": "pbkdf2_sha256$50000000$salt$" + base64.b64encode(bytes(32)).decode(),
        "argon2": "$argon2id$v=19$m=4194304,t=3,p=1$c2FsdHNhbHRzYWx0$" + "A" * 43,
        "unknown": "sha1$salt$0123456789abcdef",
        "keycloak": json.dumps(
            {
                "secretData": json.dumps({"value": "AAAA", "salt": "AAAA"}),
                "credentialData": json.dumps({"hashIterations": 1, "algorithm": "md5"}),
            }
        ),
    }
    rows = [
        {
            "id": f"c-{name}",
            "email": f"c-{name}@example.com",
            "firstName": "C",
            "lastName": "C",
            "passwordHash": value,
        }
        for name, value in costly.items()
    ]
    report = import_users(admin, shop, rows)
    assert report["created"] == 0 and report["failed"] == len(costly)
    assert [(e["line"], e["target"]) for e in report["errors"]] == [
        (line, "passwordHash") for line in range(1, len(costly) + 1)
    ]
    messages = [e["message"] for e in report["errors"]]
    assert "bcrypt cost (15)" in messages[0]
    assert "iteration count (50000000)" in messages[1]
    assert "memory cost (4194304)" in messages[2]
    assert "none of the accepted formats" in messages[3]
    assert "'md5'" in messages[4]
