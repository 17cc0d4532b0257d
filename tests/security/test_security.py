"""Passwords, secrets at rest and shared-access signatures."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apidesk.errors import Invalid
from apidesk.security import sas
from apidesk.security.passwords import PasswordHashing, PasswordPolicy
from apidesk.security.secretbox import SecretBox, SecretKeyError


@pytest.fixture(scope="module")
def hashing() -> PasswordHashing:
    return PasswordHashing(time_cost=2, memory_kib=19456, parallelism=1)


def test_passwords_are_argon2id_and_verify(hashing: PasswordHashing) -> None:
    stored = hashing.hash("correct horse battery staple")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert hashing.verify(stored, "correct horse battery staple")
    assert not hashing.verify(stored, "correct horse battery stapler")
    assert not hashing.verify(None, "anything")
    assert not hashing.verify("not a hash", "anything")


def test_weaker_hashes_need_rehash(hashing: PasswordHashing) -> None:
    weak = PasswordHashing(time_cost=1, memory_kib=8192, parallelism=1).hash("pw")
    assert hashing.needs_rehash(weak)
    assert not hashing.needs_rehash(hashing.hash("pw"))


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("short", False),
        ("        ", False),
        ("password", False),
        ("x" * 257, False),
        ("correct horse battery staple", True),
        ("Tr0ub4dor&3-plus", True),
    ],
)
def test_policy(password: str, ok: bool) -> None:
    policy = PasswordPolicy(min_length=8, min_strength=1)
    if ok:
        policy.check(password)
    else:
        with pytest.raises(Invalid) as caught:
            policy.check(password)
        assert caught.value.problems[0].target == "password"


def test_policy_counts_the_users_own_details_as_guessable() -> None:
    policy = PasswordPolicy(min_length=8, min_strength=2)
    policy.check("zephyrquokka")
    with pytest.raises(Invalid):
        policy.check("zephyrquokka", hints=("zephyrquokka@example.com", "Zephyr", "Quokka"))


def test_secretbox_round_trip_and_binding() -> None:
    box = SecretBox(os.urandom(32))
    sealed = box.encrypt("k3y", context="row/1")
    assert sealed.startswith("v1.") and "k3y" not in sealed
    assert box.decrypt(sealed, context="row/1") == "k3y"
    with pytest.raises(SecretKeyError):
        box.decrypt(sealed, context="row/2")
    with pytest.raises(SecretKeyError):
        SecretBox(os.urandom(32)).decrypt(sealed, context="row/1")
    assert box.lookup_digest("k3y") == box.lookup_digest("k3y")
    assert box.lookup_digest("k3y") != SecretBox(os.urandom(32)).lookup_digest("k3y")


def test_sas_tokens() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    token = sas.create("key-one", "user&with&amps", now + timedelta(hours=1), "stamp-a")
    parsed = sas.parse(token)
    assert parsed is not None
    assert parsed.user_id == "user&with&amps"
    assert parsed.expiry == datetime(2026, 1, 1, 13, 0, tzinfo=UTC)
    assert sas.verify(parsed, ["other", "key-one"], now, "stamp-a")
    assert not sas.verify(parsed, ["other"], now, "stamp-a")
    assert not sas.verify(parsed, ["key-one"], now + timedelta(hours=1), "stamp-a")
    tampered = sas.parse(token.replace("user&with&amps", "admin", 1))
    assert tampered is not None and not sas.verify(tampered, ["key-one"], now, "stamp-a")
    for junk in ("", "abc", "u&2026&", "u&notadate12&sig", "u&209913311261&sig"):
        parsed_junk = sas.parse(junk)
        assert parsed_junk is None or not sas.verify(parsed_junk, ["key-one"], now, "stamp-a")


def test_a_user_token_speaks_only_for_the_account_it_was_issued_to() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    parsed = sas.parse(sas.create("key-one", "ada", now + timedelta(hours=1), "first-account"))
    assert parsed is not None
    assert sas.verify(parsed, ["key-one"], now, "first-account")
    assert not sas.verify(parsed, ["key-one"], now, "later-account-same-id")


# Text a client could put in a management signature, mixing the pieces the parser looks for
# with dates at the edges of the calendar and every kind of character.
_PIECES = st.sampled_from(
    [
        "uid=",
        "ex=",
        "sn=",
        "&",
        "=",
        "integration",
        "9999-12-31T23:59:59",
        "0001-01-01T00:00:00",
        "2030-02-30T25:61:61",
        ".",
        "0000000",
        "9" * 30,
        "Z",
        "-14:00",
        "+14:00",
        "+99:99",
        "\x00",
        "\u017f",
    ]
)
_SIGNATURES = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=16).map("".join),
)


@settings(max_examples=500, deadline=None)
@given(_SIGNATURES)
def test_the_management_signature_parser_reads_anything_without_raising(text: str) -> None:
    parsed = sas.parse_management(text)
    if parsed is not None:
        assert parsed.expiry.tzinfo is not None
        assert not sas.verify_management(parsed, ["key"], datetime.now(UTC))


@pytest.mark.parametrize("expiry", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_an_expiry_beyond_the_calendar_reads_as_no_signature(expiry: str) -> None:
    assert sas.parse_management(f"uid=integration&ex={expiry}&sn=AAAA") is None


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=200), st.lists(_PIECES, max_size=12).map("".join)))
def test_the_user_token_parser_reads_anything_without_raising(text: str) -> None:
    parsed = sas.parse(text)
    if parsed is not None:
        assert not sas.verify(parsed, ["key"], datetime.now(UTC), "stamp")


@pytest.mark.parametrize(
    "expiry",
    [
        "\u0662\u0660\u0662\u0666" + "12312359",  # an Arabic-Indic year: strptime read it
        "\uff12\uff10\uff12\uff16\uff11\uff12\uff13\uff11\uff12\uff13\uff15\uff19",  # fullwidth
        "\u00b2026" + "12312359",  # a superscript two
        "1" * 4300,
    ],
)
def test_a_user_token_expiry_in_other_digits_is_a_malformed_token(expiry: str) -> None:
    signed = sas.create("key-one", "ada", datetime(2030, 1, 1, tzinfo=UTC), "stamp")
    assert sas.parse(signed) is not None
    assert sas.parse(f"ada&{expiry}&{signed.rpartition('&')[2]}") is None


@pytest.mark.parametrize(
    "expiry",
    [
        "\u0662\u0660\u0662\u0666-12-31T23:59:59Z",
        "2026-12-31T23:59:59.\u0663\u0663\u0663Z",
        "2026-12-31T23:59:59+\u0660\u0661:00",
    ],
)
def test_a_management_expiry_in_other_digits_is_no_signature(expiry: str) -> None:
    assert sas.parse_management(f"uid=integration&ex={expiry}&sn=AAAA") is None
