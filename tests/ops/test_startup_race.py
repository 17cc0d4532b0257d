"""Processes that start together on a new database (replicas of one deployment) set it up once:
one key fingerprint, one default instance, one first operator, and none of them fails. Each
of those steps checks and then inserts; `storage.database.exclusive` makes them take turns.
Threads with runtimes of their own stand in for the processes: on SQLite each runtime opens
the write-turn file itself, as a process does, and on PostgreSQL each has its own pool."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from support.databases import database_for

from apidesk.bootstrap import build_runtime, prepare
from apidesk.domain.context import Context, Runtime
from apidesk.domain.operators import service as operators
from apidesk.settings import Settings
from apidesk.storage.models import Instance, Operator, SystemValue

STARTERS = 4


@pytest.fixture
def settings(workspace_backend: str, tmp_path: Path) -> Iterator[Settings]:
    with database_for(workspace_backend, tmp_path) as url:
        yield Settings(database_url=url, secret_key_file=tmp_path / "secret.key")


def together(runtimes: list[Runtime], step: Callable[[Runtime], Any]) -> list[Any]:
    """`step` for each runtime, each in a thread of its own, all at once; what each gave, or
    the test fails with what any raised."""
    results: list[Any] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(runtimes))

    def run(runtime: Runtime) -> None:
        start.wait()
        try:
            results.append(step(runtime))
        except BaseException as error:  # any of them: the test shows it
            errors.append(error)

    threads = [threading.Thread(target=run, args=(runtime,)) for runtime in runtimes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [], errors
    return results


def first_operator(runtime: Runtime) -> operators.Issued | None:
    with runtime.database.unit_of_work() as session:
        return operators.first_operator(Context(runtime, session, actor="system"))


def counts(runtime: Runtime) -> tuple[int, int, int]:
    with runtime.database.unit_of_work(write=False) as session:
        return (
            session.scalar(select(func.count()).select_from(Instance)) or 0,
            session.scalar(select(func.count()).select_from(Operator)) or 0,
            session.scalar(select(func.count()).select_from(SystemValue)) or 0,
        )


def test_starters_set_a_new_database_up_once(settings: Settings) -> None:
    runtimes = [build_runtime(settings) for _ in range(STARTERS)]
    try:
        prepared = together(runtimes, prepare)
        issued = together(runtimes, first_operator)
        assert sum(result.created_default is not None for result in prepared) == 1
        assert sum(result is not None for result in issued) == 1
        instances, operator_count, values = counts(runtimes[0])
        assert (instances, operator_count) == (1, 1)
        assert values >= 2  # the key's fingerprint and the first start's mark
    finally:
        for runtime in runtimes:
            runtime.database.dispose()


def test_starters_that_all_find_no_operator_make_one(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race itself: each starter, having found no operator, waits (up to a second) for
    the others to find none too before it makes one. Taking turns, the first makes it while
    the others wait for their turn, and they then find it."""
    runtimes = [build_runtime(settings) for _ in range(2)]
    try:
        prepare(runtimes[0])
        found_none = threading.Barrier(len(runtimes), timeout=1)
        looked = operators.any_exist

        def any_exist(ctx: Context) -> bool:
            answer = looked(ctx)
            # Broken when the others are waiting for their turn.
            with contextlib.suppress(threading.BrokenBarrierError):
                found_none.wait()
            return answer

        monkeypatch.setattr(operators, "any_exist", any_exist)
        issued = together(runtimes, first_operator)
        assert sum(result is not None for result in issued) == 1
        assert counts(runtimes[0])[1] == 1
    finally:
        for runtime in runtimes:
            runtime.database.dispose()
