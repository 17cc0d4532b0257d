"""Hashes from other systems: which ones need replacing, and the bounds on imported ones."""

from __future__ import annotations

import pytest

from apidesk.security.hash_formats import UnusableHash
from apidesk.security.passwords import PasswordHashing


@pytest.fixture(scope="module")
def hashing() -> PasswordHashing:
    return PasswordHashing(time_cost=2, memory_kib=19456, parallelism=1)


def test_a_stronger_argon2id_hash_is_kept_and_other_variants_are_replaced(
    hashing: PasswordHashing,
) -> None:
    stronger = PasswordHashing(time_cost=3, memory_kib=32768, parallelism=2).hash("pw")
    assert not hashing.needs_rehash(stronger)
    assert hashing.verify(stronger, "pw")
    assert hashing.needs_rehash("$2b$04$" + "a" * 53)
    assert hashing.needs_rehash("$argon2i$v=19$m=32768,t=3,p=1$c2FsdHNhbHRzYWx0$" + "A" * 43)


def test_the_services_own_hashes_import_even_above_the_default_bounds() -> None:
    heavy = PasswordHashing(time_cost=12, memory_kib=8, parallelism=1)
    own = heavy.hash("pw")
    assert heavy.importable(own) == own
    with pytest.raises(UnusableHash, match="time cost"):
        PasswordHashing(time_cost=2, memory_kib=8, parallelism=1).importable(own)


def test_a_broken_hash_never_verifies(hashing: PasswordHashing) -> None:
    for broken in ("$2b$04$short", "pbkdf2_sha256$1000$salt$!!", "keycloak-pbkdf2-sha256$1$$"):
        assert not hashing.verify(broken, "pw")
        with pytest.raises(UnusableHash):
            hashing.importable(broken)
