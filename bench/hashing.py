"""argon2id as `apidesk serve` configures it, for the benchmarks that compare requests with
passwords against the hash itself: its rate on every core, and one hash's CPU time."""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from apidesk.security.passwords import PasswordHashing

PASSWORD = "correct horse battery staple 42"  # noqa: S105 - the bench users' password


class HashLoad(NamedTuple):
    rate: float  # hashes per second on every core
    cpu_ms: float  # CPU milliseconds of one hash while every core hashes


def hash_load(seconds: float = 5.0) -> HashLoad:
    """argon2id with the configured parameters on every core: one process per core, each set
    up first and then hashing for `seconds`. Side by side, the hashes share the caches and the
    memory bus, so each may cost more CPU than `hash_cpu_ms` measures with one process."""
    cores = os.cpu_count() or 1
    with ProcessPoolExecutor(cores) as pool:
        list(pool.map(hash_for, [0.2] * cores))  # start the processes and load argon2
        runs = list(pool.map(hash_for, [seconds] * cores))
    count = sum(hashes for hashes, _ in runs)
    return HashLoad(count / seconds, sum(cpu for _, cpu in runs) * 1000 / max(count, 1))


def hash_rate(seconds: float = 5.0) -> float:
    """argon2id hashes per second on every core, with the configured parameters."""
    return hash_load(seconds).rate


def hash_cpu_ms(count: int = 10) -> float:
    """CPU milliseconds of one argon2id hash with the configured parameters, in this process:
    unlike a rate, it does not change with the load of the machine."""
    hasher = configured_hasher()
    start = time.process_time()
    for _ in range(count):
        hasher.hash(PASSWORD)
    return (time.process_time() - start) * 1000 / count


def configured_hasher() -> PasswordHashing:
    """argon2id with the parameters `apidesk serve` reads from the environment, warmed up."""
    from apidesk.security.passwords import PasswordHashing
    from apidesk.settings import Settings

    settings = Settings()
    hasher = PasswordHashing(
        time_cost=settings.argon2_time_cost,
        memory_kib=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    hasher.hash(PASSWORD)
    return hasher


def hash_for(seconds: float) -> tuple[int, float]:
    """How many hashes this process made in `seconds`, and the CPU seconds they took."""
    hasher = configured_hasher()
    count, end = 0, time.monotonic() + seconds
    start = time.process_time()
    while time.monotonic() < end:
        hasher.hash(PASSWORD)
        count += 1
    return count, time.process_time() - start
