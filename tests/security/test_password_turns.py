"""Password hashing keeps to its share of the cores: never more hashes or checks at once
than its bound, however many threads ask."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from apidesk.security.passwords import PasswordHashing, Turns, share_of_cores


class Overlap:
    """Counts how many calls are inside the hasher at once."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.lock = threading.Lock()
        self.inside = 0
        self.most = 0

    def _run(self, call: Any, *args: str) -> Any:
        with self.lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        try:
            time.sleep(0.02)  # long enough for the other threads to pile up behind
            return call(*args)
        finally:
            with self.lock:
                self.inside -= 1

    def hash(self, password: str) -> str:
        return str(self._run(self.inner.hash, password))

    def verify(self, stored: str, password: str) -> bool:
        return bool(self._run(self.inner.verify, stored, password))


@pytest.mark.parametrize("bound", [1, 3])
def test_at_most_bound_hashes_and_checks_at_once(bound: int) -> None:
    hashing = PasswordHashing(time_cost=1, memory_kib=64, parallelism=1, concurrency=bound)
    stored = hashing.hash("a long enough password")
    overlap = Overlap(hashing._hasher)
    hashing._hasher = overlap  # type: ignore[assignment]

    def work(n: int) -> bool:
        if n % 3 == 0:
            return hashing.verify(None, "no hash: still costs a hash")
        if n % 3 == 1:
            return hashing.verify(stored, "a long enough password")
        return bool(hashing.hash(f"password {n}"))

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(work, range(48)))
    assert overlap.most == bound
    assert results[1] is True and results[0] is False


def test_share_of_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert share_of_cores(None) == 8
    assert share_of_cores(1) == 8
    assert share_of_cores(2) == 4
    assert share_of_cores(3) == 2
    assert share_of_cores(16) == 1


def _until_queued(turns: Turns, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(turns._waiting) < count:
        assert time.monotonic() < deadline, "the waiters did not queue"
        time.sleep(0.001)


def test_a_freed_place_goes_to_the_longest_waiter_not_a_newcomer() -> None:
    turns = Turns(1)
    turns.acquire()
    order: list[str] = []

    def wait_for_turn(name: str) -> None:
        turns.acquire()
        order.append(name)
        turns.release()

    threads = []
    for n in range(3):
        thread = threading.Thread(target=wait_for_turn, args=(f"waiter {n}",))
        thread.start()
        threads.append(thread)
        _until_queued(turns, n + 1)  # each one queued before the next starts
    turns.release()
    # Straight after the release, before any waiter has run: the place is not free for us.
    wait_for_turn("newcomer")
    for thread in threads:
        thread.join(timeout=10)
    assert order == ["waiter 0", "waiter 1", "waiter 2", "newcomer"]
    turns.acquire()  # the place came back
    turns.release()


def test_the_observer_is_told_each_works_wait_time_and_cpu() -> None:
    hashing = PasswordHashing(time_cost=1, memory_kib=64, parallelism=1, concurrency=1)
    seen: list[tuple[str, float, float, float]] = []
    hashing.observer = lambda *told: seen.append(told)
    stored = hashing.hash("a long enough password")
    assert hashing.verify(stored, "a long enough password")
    assert [work for work, *_ in seen] == ["hash", "verify"]
    assert all(took > 0 and cpu > 0 and waited >= 0 for _, waited, took, cpu in seen)

    # With the one place held, a second hash waits for it, and says so.
    seen.clear()
    hashing._turns.acquire()
    waiter = threading.Thread(target=hashing.hash, args=("another long password",))
    waiter.start()
    _until_queued(hashing._turns, 1)
    time.sleep(0.05)
    hashing._turns.release()
    waiter.join(timeout=10)
    ((work, waited, took, cpu),) = seen
    assert work == "hash" and waited >= 0.05 and took > 0
    # The CPU time is the hashing thread's own: it cannot exceed its time in the hash by much.
    assert cpu <= took + 0.01
