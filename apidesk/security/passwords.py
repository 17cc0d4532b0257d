"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

from apidesk.errors import Invalid

# A zxcvbn run on a very long input is slow; nobody needs more than this many characters.
MAX_LENGTH = 256
# Only the first characters of a password feed the strength estimate, to bound its cost;
# zxcvbn itself refuses anything longer than 72.
_STRENGTH_PREFIX = 72


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 8
    min_strength: int = 1

    def check(
        self, password: str, *, target: str = "password", hints: tuple[str, ...] = ()
    ) -> None:
        """Raise `Invalid` naming `target` when the password breaks the policy."""
        if not isinstance(password, str):
            raise Invalid.field(target, "The password must be a string.")
        if len(password) < self.min_length:
            raise Invalid.field(
                target, f"The password must be at least {self.min_length} characters long."
            )
        if len(password) > MAX_LENGTH:
            raise Invalid.field(target, f"The password must be at most {MAX_LENGTH} characters.")
        if password.strip() == "":
            raise Invalid.field(target, "The password cannot be only spaces.")
        if self.min_strength > 0:
            inputs = [hint for hint in hints if hint]
            score = zxcvbn(password[:_STRENGTH_PREFIX], user_inputs=inputs)["score"]
            if score < self.min_strength:
                raise Invalid.field(
                    target,
                    "The password is too easy to guess; use a longer phrase or mix in "
                    "unrelated words.",
                )


class PasswordHashing:
    """argon2id with parameters from settings; hashes made with weaker ones get rehashed."""

    def __init__(self, *, time_cost: int, memory_kib: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=parallelism,
            type=Type.ID,
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        if not stored_hash:
            # Spend the same time as a real check so that "no password set" is not visible.
            self._hasher.hash(password)
            return False
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)
