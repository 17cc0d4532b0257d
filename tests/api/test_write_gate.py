"""A process's management writes hop to the thread pool a few at a time
(apidesk.api.management.routing): one at a time where writers take turns (SQLite), up to
four side by side on PostgreSQL, which locks rows. Eight PATCHes sent at once are watched as
they enter the pool: each stays there a little longer than its work, so any two in the pool
together are seen. That a slow write holds the others up by no more than `GATE_WAIT` is
tests/flows/test_template_save_lock.py's."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from conftest import Workspace
from support.inprocess import InProcessServer

from apidesk.api.management import routing

V = {"api-version": "2024-05-01"}
AT_ONCE = 8


@pytest.fixture
def in_pool(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The most handler calls in the thread pool at once, as the routes hand them over."""
    seen = {"now": 0, "most": 0}
    lock = threading.Lock()
    handing = routing.run_in_threadpool

    async def watched(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        def run() -> Any:
            with lock:
                seen["now"] += 1
                seen["most"] = max(seen["most"], seen["now"])
            try:
                time.sleep(0.05)
                return function(*args, **kwargs)
            finally:
                with lock:
                    seen["now"] -= 1

        return await handing(run)

    monkeypatch.setattr(routing, "run_in_threadpool", watched)
    # Each stays long enough that a write at the back would give up waiting at the default.
    monkeypatch.setattr(routing, "GATE_WAIT", 60.0)
    return seen


def test_writes_enter_the_pool_a_few_at_a_time(
    workspace_app: InProcessServer, workspace: Workspace, in_pool: dict[str, int]
) -> None:
    service = workspace_app.new_service("gate")
    with workspace_app.client() as http:
        for n in range(AT_ONCE):
            body = {"properties": {"email": f"g{n}@example.com", "firstName": "G", "lastName": "N"}}
            http.put(f"{service.path}/users/g{n}", params=V, json=body).raise_for_status()
    in_pool["most"] = 0
    start = threading.Barrier(AT_ONCE)

    def patch(n: int) -> httpx.Response:
        with workspace_app.client() as http:
            start.wait()
            return http.patch(
                f"{service.path}/users/g{n}",
                params=V,
                json={"properties": {"note": f"note {n}"}},
                headers={"If-Match": "*"},
            )

    with ThreadPoolExecutor(AT_ONCE) as senders:
        answers = list(senders.map(patch, range(AT_ONCE)))
    assert [answer.status_code for answer in answers] == [200] * AT_ONCE
    assert [answer.json()["properties"]["note"] for answer in answers] == [
        f"note {n}" for n in range(AT_ONCE)
    ]
    if workspace.backend == "sqlite":
        assert in_pool["most"] == 1
    else:
        assert 1 < in_pool["most"] <= 4


def test_reads_are_not_gated(
    workspace_app: InProcessServer, workspace: Workspace, in_pool: dict[str, int]
) -> None:
    """Filtered lists hop to the pool on both databases, side by side."""
    service = workspace_app.new_service("gate-reads")
    start = threading.Barrier(AT_ONCE)

    def read(_: int) -> httpx.Response:
        with workspace_app.client() as http:
            start.wait()
            return http.get(
                f"{service.path}/users", params={**V, "$filter": "startswith(name,'g')"}
            )

    with ThreadPoolExecutor(AT_ONCE) as senders:
        answers = list(senders.map(read, range(AT_ONCE)))
    assert [answer.status_code for answer in answers] == [200] * AT_ONCE
    assert in_pool["most"] > 1
