"""apidesk.threads on its own: the hop keeps what Starlette's did (context variables, a
cancelled caller waiting for work that had started), and the gates let a few works in at a
time, in arrival order, per kind, none keeping its place longer than `GATE_WAIT`."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

import pytest

from apidesk import threads

REQUEST = contextvars.ContextVar("request", default="none")


def test_the_work_runs_in_another_thread_with_the_callers_context() -> None:
    async def main() -> tuple[str, int, int]:
        REQUEST.set("r-1")
        return await threads.run_in_thread(
            lambda a, b=0: (REQUEST.get(), threading.get_ident(), a + b), 2, b=3
        )

    seen, ident, total = asyncio.run(main())
    assert (seen, total) == ("r-1", 5)
    assert ident != threading.get_ident()


def test_an_error_comes_back_to_the_caller() -> None:
    def fails() -> None:
        raise LookupError("gone")

    with pytest.raises(LookupError, match="gone"):
        asyncio.run(threads.run_in_thread(fails))


def test_a_cancelled_caller_unwinds_only_after_its_work_has_ended(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(threads, "GATE_WAIT", 60.0)
    ended = threading.Event()

    def work() -> None:
        time.sleep(0.2)
        ended.set()

    async def main() -> bool:
        task = asyncio.create_task(threads.run_in_turn("write", 1, work))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        done_when_unwound = ended.is_set()
        # The gate was given back then: the next write gets in, not after GATE_WAIT.
        await asyncio.wait_for(threads.run_in_turn("write", 1, lambda: None), 10)
        return done_when_unwound

    assert asyncio.run(main())


def test_a_gate_lets_in_so_many_at_a_time_in_arrival_order() -> None:
    inside = {"now": 0, "most": 0}
    order: list[int] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        with lock:
            inside["now"] += 1
            inside["most"] = max(inside["most"], inside["now"])
            order.append(n)
        time.sleep(0.01)
        with lock:
            inside["now"] -= 1

    async def main() -> None:
        await asyncio.gather(*(threads.run_in_turn("read", 2, work, n) for n in range(10)))

    asyncio.run(main())
    assert inside["most"] == 2
    assert order[2:] == list(range(2, 10))  # the first two went in together


def test_reads_and_writes_do_not_wait_for_each_other(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threads, "GATE_WAIT", 60.0)
    release = threading.Event()

    async def main() -> bool:
        held = asyncio.create_task(threads.run_in_turn("write", 1, release.wait, 30))
        await asyncio.sleep(0.05)
        await asyncio.wait_for(threads.run_in_turn("read", 1, lambda: None), 10)
        write_still_held = not release.is_set() and not held.done()
        release.set()
        await held
        return write_still_held

    assert asyncio.run(main())


def test_a_work_running_past_gate_wait_gives_up_its_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(threads, "GATE_WAIT", 0.1)
    release = threading.Event()

    async def main() -> tuple[float, bool]:
        started = time.monotonic()
        held = asyncio.create_task(threads.run_in_turn("write", 1, release.wait, 30))
        await asyncio.sleep(0.05)
        await threads.run_in_turn("write", 1, lambda: None)
        waited = time.monotonic() - started
        first_still_held = not held.done()
        release.set()
        await held
        return waited, first_still_held

    waited, first_still_held = asyncio.run(main())
    assert first_still_held  # the second went in beside it
    assert waited >= 0.09  # once the first had run that long (the loop may wake a tick early)


def test_waiting_in_line_longer_than_gate_wait_lets_nothing_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Four works of 0.06 s through a gate of one: the last waits 0.18 s, longer than
    `GATE_WAIT`, and still none runs beside another."""
    monkeypatch.setattr(threads, "GATE_WAIT", 0.1)
    inside = {"now": 0, "most": 0}
    lock = threading.Lock()

    def work() -> None:
        with lock:
            inside["now"] += 1
            inside["most"] = max(inside["most"], inside["now"])
        time.sleep(0.06)
        with lock:
            inside["now"] -= 1

    async def main() -> None:
        await asyncio.gather(*(threads.run_in_turn("write", 1, work) for _ in range(4)))

    asyncio.run(main())
    assert inside["most"] == 1


def test_without_a_size_nothing_waits() -> None:
    release = threading.Event()

    async def main() -> int:
        works = [
            asyncio.create_task(threads.run_in_turn("write", 0, release.wait, 5)) for _ in range(4)
        ]
        await asyncio.sleep(0.1)
        running = sum(1 for t in threading.enumerate() if t.name.startswith("apidesk-worker"))
        release.set()
        await asyncio.gather(*works)
        return running

    assert asyncio.run(main()) >= 4


def test_a_work_that_steps_aside_lets_the_next_in_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(threads, "GATE_WAIT", 60.0)
    release = threading.Event()

    def slow() -> None:
        threads.step_aside()
        release.wait(30)

    async def main() -> tuple[bool, object]:
        held = asyncio.create_task(threads.run_in_turn("write", 1, slow))
        await asyncio.sleep(0.05)
        await asyncio.wait_for(threads.run_in_turn("write", 1, lambda: None), 10)
        still_held = not held.done()
        release.set()
        await held
        # The place's hand-over stays with the work: the caller's context has none.
        return still_held, threads._PLACE.get()

    assert asyncio.run(main()) == (True, None)


def test_stepping_aside_without_a_place_does_nothing() -> None:
    threads.step_aside()  # the command line hashes passwords too
    assert asyncio.run(threads.run_in_thread(threads.step_aside)) is None
