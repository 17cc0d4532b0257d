"""Throttle counters under concurrent writers, on both databases."""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import timedelta

from sqlalchemy import select, update
from support.server import ServiceRef
from support.units import unit

from apidesk.clock import ManualClock
from apidesk.domain import throttle
from apidesk.domain.context import Runtime
from apidesk.storage.models import Throttle


def count(runtime: Runtime, service: ServiceRef, key: str) -> int:
    with unit(runtime, service) as ctx:
        row = throttle._row(ctx, throttle.SIGN_IN, key)
        return row.count if row else 0


def test_two_first_failures_at_once_both_count(runtime: Runtime, service: ServiceRef) -> None:
    """The first failure inserts the counter and holds its transaction open; the second, on
    PostgreSQL, collides with that insert. It must wait, then count on the same row."""
    key = "racer@example.com"
    inserted = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with unit(runtime, service) as ctx:
                throttle.failed_sign_in(ctx, key)
                inserted.set()
                time.sleep(0.5)
        except BaseException as error:  # reported below
            errors.append(error)
            inserted.set()

    def second() -> None:
        inserted.wait()
        try:
            with unit(runtime, service) as ctx:
                throttle.failed_sign_in(ctx, key)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert count(runtime, service, key) == 2


def test_parallel_failures_are_never_lost(runtime: Runtime, service: ServiceRef) -> None:
    key = "crowd@example.com"
    with unit(runtime, service) as ctx:
        throttle.failed_sign_in(ctx, key)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def fail() -> None:
        barrier.wait()
        try:
            with unit(runtime, service) as ctx:
                throttle.failed_sign_in(ctx, key)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert count(runtime, service, key) == 9
    with unit(runtime, service) as ctx:
        held = throttle.wait(ctx, throttle.SIGN_IN, key)
        # Nine failures: the fourth beyond the free five waits 2**3 seconds.
        assert held is not None and timedelta(seconds=7) < held <= timedelta(seconds=8)


def test_lapsed_counters_are_cleared_out(runtime: Runtime, service: ServiceRef) -> None:
    """Every counter left behind by a one-off mistake would otherwise stay forever. Making a
    new counter clears those whose hour has passed, and keeps any that still hold an address
    back."""
    clock = ManualClock()
    moved = dataclasses.replace(runtime, clock=clock)
    slips = [f"slip{n}@example.com" for n in range(5)]
    with unit(moved, service) as ctx:
        for key in slips:
            throttle.failed_sign_in(ctx, key)
        for _ in range(throttle.FREE_SIGN_IN_FAILURES + 12):
            throttle.failed_sign_in(ctx, "pest@example.com")  # held back for 15 minutes
        assert throttle.allow_reset_request(ctx, "asked@example.com")

    clock.advance(throttle.WINDOW - timedelta(seconds=1))
    with unit(moved, service) as ctx:
        throttle.failed_sign_in(ctx, "another@example.com")
    assert all(count(moved, service, key) == 1 for key in slips)

    clock.advance(timedelta(seconds=1))
    # Counting a key that has its counter already adds no row, so it clears none either.
    with unit(moved, service) as ctx:
        throttle.failed_sign_in(ctx, "another@example.com")
    assert all(count(moved, service, key) == 1 for key in slips)
    # A new counter clears the lapsed ones.
    with unit(moved, service) as ctx:
        throttle.failed_sign_in(ctx, "newcomer@example.com")
        keys = set(
            ctx.session.scalars(select(Throttle.key).where(Throttle.instance_id == ctx.instance.id))
        )
    # The pest's last failure was an hour ago too, and its wait has long passed.
    assert keys == {"another@example.com", "newcomer@example.com"}


def test_a_counter_still_holding_back_is_kept(runtime: Runtime, service: ServiceRef) -> None:
    clock = ManualClock()
    moved = dataclasses.replace(runtime, clock=clock)
    with unit(moved, service) as ctx:
        for _ in range(throttle.FREE_SIGN_IN_FAILURES + 12):
            throttle.failed_sign_in(ctx, "stubborn@example.com")
        row = throttle._row(ctx, throttle.SIGN_IN, "stubborn@example.com")
        assert row is not None
        # As if the window had begun long ago while the wait still runs.
        ctx.session.execute(
            update(Throttle)
            .where(Throttle.id == row.id)
            .values(window_started_at=clock.now() - 2 * throttle.WINDOW)
        )
    with unit(moved, service) as ctx:
        throttle.failed_sign_in(ctx, "bystander@example.com")
        assert throttle.wait(ctx, throttle.SIGN_IN, "stubborn@example.com") is not None


def test_a_lapsed_counter_read_earlier_in_the_unit_counts_again(
    runtime: Runtime, service: ServiceRef
) -> None:
    """Sign-in reads (and locks) its counter before counting a failure. When that counter has
    lapsed, counting starts it afresh in place (the same row, a count of one); the clean-up of
    lapsed counters that a fresh count sets off leaves the caller's own alone."""
    clock = ManualClock()
    moved = dataclasses.replace(runtime, clock=clock)
    key = "returning@example.com"
    with unit(moved, service) as ctx:
        for _ in range(3):
            throttle.failed_sign_in(ctx, key)
    clock.advance(2 * throttle.WINDOW)
    with unit(moved, service) as ctx:
        assert throttle.wait(ctx, throttle.SIGN_IN, key, lock=True) is None
        before = throttle._row(ctx, throttle.SIGN_IN, key)
        throttle.failed_sign_in(ctx, key)
        after = throttle._row(ctx, throttle.SIGN_IN, key)
        assert before is not None and after is not None
        assert (after.id, after.count) == (before.id, 1)
        assert after.window_started_at > before.window_started_at + throttle.WINDOW
    assert count(moved, service, key) == 1


def test_a_fixed_window_runs_from_its_first_event(runtime: Runtime, service: ServiceRef) -> None:
    """Reset requests count in a fixed hour from the first: the fourth in the hour is
    refused, one an hour after the first is allowed again however recent the last was."""
    clock = ManualClock()
    moved = dataclasses.replace(runtime, clock=clock)
    key = "asker@example.com"
    with unit(moved, service) as ctx:
        allowed = [throttle.allow_reset_request(ctx, key) for _ in range(3)]
    clock.advance(throttle.WINDOW - timedelta(seconds=1))
    with unit(moved, service) as ctx:
        allowed.append(throttle.allow_reset_request(ctx, key))
    assert allowed == [True, True, True, False]
    clock.advance(timedelta(seconds=1))
    with unit(moved, service) as ctx:
        assert throttle.allow_reset_request(ctx, key)
        row = throttle._row(ctx, throttle.RESET_REQUEST, key)
        assert row is not None and row.count == 1
        assert clock.now() - row.window_started_at < timedelta(minutes=1)
