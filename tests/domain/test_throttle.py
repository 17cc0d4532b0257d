"""Throttle counters under concurrent writers, on both databases."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from support.server import ServiceRef

from apidesk.domain import throttle
from apidesk.domain.context import Context, InstanceContext, Runtime
from apidesk.domain.instances import service as instances


@contextmanager
def unit(runtime: Runtime, service: ServiceRef) -> Iterator[InstanceContext]:
    with runtime.database.unit_of_work() as session:
        ctx = Context(runtime=runtime, session=session, actor="test")
        instance = instances.find_by_name(ctx, service.name)
        assert instance is not None
        yield InstanceContext.of(ctx, instance)


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
