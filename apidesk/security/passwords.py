"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from apidesk.errors import Invalid

if TYPE_CHECKING:
    from argon2 import Parameters, PasswordHasher

    from apidesk.security import hash_formats

# argon2, bcrypt and the foreign hash formats are imported when a password is first hashed or
# checked: every command builds a `PasswordHashing`, most never use it (issue 12, CLI start-up).

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
            # Imported here: loading its dictionaries takes longer than most CLI commands.
            from zxcvbn_rs_py import zxcvbn

            inputs = [hint for hint in hints if hint]
            score = int(zxcvbn(password[:_STRENGTH_PREFIX], user_inputs=inputs).score)
            if score < self.min_strength:
                raise Invalid.field(
                    target,
                    "The password is too easy to guess; use a longer phrase or mix in "
                    "unrelated words.",
                )


# Told of each hash or check once it is done: the work ("hash" or "verify"), the seconds it
# waited for its turn, the seconds it took once it had one, and the CPU seconds it took.
HashingObserver = Callable[[str, float, float, float], None]


def share_of_cores(processes: int | None) -> int:
    """How many hashes one of `processes` processes (sharing this machine's cores) may run at
    once: its share of the cores, at least one."""
    return max(1, (os.cpu_count() or 1) // max(1, processes or 1))


class Turns:
    """At most `places` holders at once, served in the order they came: a freed place is
    handed to the longest waiter, so a newcomer cannot overtake it (a plain semaphore lets it,
    which stretches the slowest answers under load)."""

    def __init__(self, places: int) -> None:
        self.places = places
        self._free = places
        self._lock = threading.Lock()
        self._waiting: deque[threading.Lock] = deque()

    def acquire(self) -> None:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            waiter = threading.Lock()
            waiter.acquire()
            self._waiting.append(waiter)
        waiter.acquire()  # released by `release`, which hands this waiter the place

    def release(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                assert self._free < self.places, "released more often than acquired"
                self._free += 1

    @contextmanager
    def held(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()


class PasswordHashing:
    """argon2id with parameters from settings. Hashes made otherwise (weaker argon2id, other
    argon2 variants, or the foreign formats of `apidesk.security.hash_formats`, which users
    bring along on import) still verify, and `needs_rehash` says to replace them.

    At most `concurrency` hashes or checks run at once in this process; the others wait their
    turn. Many memory-hard hashes side by side on few cores only fight over the cores and
    their caches, so a process keeps to its share of the cores. Callers must not hold a
    database connection while they call in: the wait and the work are both long.

    `observer`, when set, is told of each hash and check (`HashingObserver`): the server's
    metrics show how long they wait for a turn and what they cost."""

    observer: HashingObserver | None = None

    def __init__(
        self,
        *,
        time_cost: int,
        memory_kib: int,
        parallelism: int,
        limits: hash_formats.Limits | None = None,
        concurrency: int | None = None,
    ) -> None:
        self.concurrency = concurrency or share_of_cores(1)
        self._turns = Turns(self.concurrency)
        self._time_cost = time_cost
        self._memory_kib = memory_kib
        self._parallelism = parallelism
        self._limits = limits

    @cached_property
    def _hasher(self) -> PasswordHasher:
        from argon2 import PasswordHasher, Type

        return PasswordHasher(
            time_cost=self._time_cost,
            memory_cost=self._memory_kib,
            parallelism=self._parallelism,
            type=Type.ID,
        )

    @cached_property
    def limits(self) -> hash_formats.Limits:
        from apidesk.security import hash_formats

        return self._limits or hash_formats.Limits()

    @cached_property
    def _own(self) -> Parameters:
        from argon2 import DEFAULT_HASH_LENGTH, DEFAULT_RANDOM_SALT_LENGTH, Parameters, Type
        from argon2.low_level import ARGON2_VERSION

        return Parameters(
            type=Type.ID,
            version=ARGON2_VERSION,
            salt_len=DEFAULT_RANDOM_SALT_LENGTH,
            hash_len=DEFAULT_HASH_LENGTH,
            time_cost=self._time_cost,
            memory_cost=self._memory_kib,
            parallelism=self._parallelism,
        )

    @contextmanager
    def turn(self, work: str) -> Iterator[None]:
        """One of the `concurrency` places for costly `work`; waits until one is free. A
        request's work that comes here first gives up its place at the process's gate
        (`apidesk.threads.step_aside`): the wait and the hash are long, and other requests'
        work need not wait for them."""
        from apidesk.threads import step_aside  # asyncio, which the command line rarely needs

        step_aside()
        asked = time.perf_counter()
        with self._turns.held():
            began, cpu = time.perf_counter(), time.thread_time()
            try:
                yield
            finally:
                observer = self.observer
                if observer is not None:
                    ended = time.perf_counter()
                    observer(work, began - asked, ended - began, time.thread_time() - cpu)

    def hash(self, password: str) -> str:
        with self.turn("hash"):
            return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        with self.turn("verify"):
            return self._verify(stored_hash, password)

    def _verify(self, stored_hash: str | None, password: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

        from apidesk.security import hash_formats

        parsed = None
        if stored_hash:
            try:
                parsed = hash_formats.parse(stored_hash)
            except hash_formats.UnusableHash:
                parsed = None
        if parsed is None:
            # Spend the same time as a real check so that "no password set" is not visible.
            self._hasher.hash(password)
            return False
        if parsed.kind is not hash_formats.Kind.ARGON2:
            return hash_formats.verify_pbkdf2_or_bcrypt(parsed, password)
        try:
            # argon2-cffi reads the variant (id, i or d) from the hash itself.
            return self._hasher.verify(parsed.text, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """True for anything but argon2id at least as strong as the configured parameters."""
        if not stored_hash.startswith("$argon2id$"):
            return True
        from argon2 import extract_parameters
        from argon2.exceptions import InvalidHashError

        try:
            stored = extract_parameters(stored_hash)
        except (InvalidHashError, ValueError):
            return True
        own = self._own
        return (
            stored.version < own.version
            or stored.memory_cost < own.memory_cost
            or stored.time_cost < own.time_cost
            or stored.hash_len < own.hash_len
            or stored.salt_len < own.salt_len
        )

    def importable(self, value: object) -> str:
        """A password hash from another system as it will be stored; `UnusableHash` names
        what is wrong when the format is unknown or the hash asks for too much work."""
        from apidesk.security import hash_formats

        text = hash_formats.normalize(value)
        hash_formats.check_cost(hash_formats.parse(text), self.limits, self._own)
        return text
