"""The shortcut for plain addresses answers exactly what the full e-mail check answers."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from apidesk.domain import validation
from apidesk.errors import Collection

LABEL = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,12}[a-z0-9])?", fullmatch=True)
ATOM = st.from_regex(r"[A-Za-z0-9_+-]{1,12}", fullmatch=True)
ADDRESSES = st.builds(
    lambda atoms, labels, tld: ".".join(atoms) + "@" + ".".join([*labels, tld]),
    st.lists(ATOM, min_size=1, max_size=3),
    st.lists(LABEL, min_size=1, max_size=3),
    st.sampled_from(["com", "org", "test", "localhost", "io", "example", "xn", "co"]),
)


def full_check(address: str) -> str | None:
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


@settings(max_examples=400)
@given(ADDRESSES)
def test_the_shortcut_accepts_only_what_the_full_check_accepts_unchanged(address: str) -> None:
    if validation._plain_email(address):
        assert full_check(address) == address


@settings(max_examples=200)
@given(ADDRESSES)
def test_every_address_gets_the_full_checks_answer(address: str) -> None:
    problems = Collection()
    assert validation.email(problems, "email", address) == full_check(address)


def test_reserved_and_unusual_addresses_take_the_full_path() -> None:
    for address in ("a@localhost", "a@b.test", "a@ab--cd.com", "a@Example.COM", "ö@b.com"):
        assert not validation._plain_email(address)
    problems = Collection()
    assert validation.email(problems, "email", "a@Example.COM") == "a@example.com"
    assert validation.email(problems, "email", "a@b.test") is None
