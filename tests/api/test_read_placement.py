"""Where a management request's work runs (apidesk.api.management.routing): short reads on
SQLite on the event loop, everything else in the thread pool. A read on the loop skips the
thread hop; a filtered or deep page (but for one user named by a unique key), a write, or any
PostgreSQL call must not hold the loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from conftest import Workspace
from starlette.requests import Request
from support.inprocess import InProcessServer

from apidesk.api.management.routing import short_read
from apidesk.domain.users import service as users

V = {"api-version": "2024-05-01"}


def _on_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@pytest.fixture
def placements(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Each call of the watched user-service functions, with whether it ran on the loop."""
    seen: list[tuple[str, bool]] = []

    def watch(name: str) -> None:
        original: Callable[..., Any] = getattr(users, name)

        def watched(*args: Any, **kwargs: Any) -> Any:
            seen.append((name, _on_loop()))
            return original(*args, **kwargs)

        monkeypatch.setattr(users, name, watched)

    for name in ("read", "list_users", "update"):
        watch(name)
    return seen


def test_reads_run_on_the_loop_only_on_sqlite_and_only_when_short(
    workspace_app: InProcessServer, workspace: Workspace, placements: list[tuple[str, bool]]
) -> None:
    service = workspace_app.new_service("placement")
    body = {"properties": {"email": "p@example.com", "firstName": "P", "lastName": "L"}}
    with workspace_app.client() as http:
        http.put(service.path + "/users/p1", params=V, json=body).raise_for_status()
        placements.clear()
        asks = {
            "get": http.get(service.path + "/users/p1", params=V),
            "head": http.head(service.path + "/users/p1", params=V),
            "first page": http.get(service.path + "/users", params={**V, "$top": "5"}),
            "page at the count limit": http.get(
                service.path + "/users", params={**V, "$skip": "10000"}
            ),
            "deep page": http.get(service.path + "/users", params={**V, "$skip": "10001"}),
            "long page": http.get(service.path + "/users", params={**V, "$top": "101"}),
            "absurd skip": http.get(service.path + "/users", params={**V, "$skip": "9" * 5000}),
            "filtered": http.get(
                service.path + "/users", params={**V, "$filter": "startswith(name,'p')"}
            ),
            "looked up": http.get(
                service.path + "/users", params={**V, "$filter": "email eq 'P@example.com'"}
            ),
            "patch": http.patch(
                service.path + "/users/p1",
                params=V,
                json={"properties": {"note": "n"}},
                headers={"If-Match": "*"},
            ),
        }
    absurd = asks.pop("absurd skip")
    assert absurd.status_code == 400, absurd.text
    for what, answer in asks.items():
        assert answer.status_code == 200, (what, answer.text)
    assert asks["get"].json()["name"] == "p1"
    assert [v["name"] for v in asks["filtered"].json()["value"]] == ["p1"]
    assert [v["name"] for v in asks["looked up"].json()["value"]] == ["p1"]
    sqlite = workspace.backend == "sqlite"
    assert placements[:8] == [
        ("read", sqlite),
        ("read", sqlite),
        ("list_users", sqlite),
        ("list_users", sqlite),
        ("list_users", False),
        ("list_users", False),
        ("list_users", False),
        ("list_users", sqlite),
    ]
    patched = placements[8:]
    assert ("update", False) in patched
    assert not any(on_loop for _, on_loop in patched)


USERS, GROUP_USERS, SUBSCRIPTIONS = "/s/users", "/s/groups/g/users", "/s/subscriptions"


@pytest.mark.parametrize(
    ("method", "path", "query", "page_size", "expected"),
    [
        ("GET", USERS, "", 100, True),
        ("HEAD", USERS, "", 100, True),
        ("GET", USERS, "", 1000, False),  # a default page longer than a short one
        ("GET", USERS, "$top=1000", 100, False),
        ("GET", USERS, "$top=100&$skip=10000", 1000, True),
        ("GET", USERS, "$top=x", 100, False),
        ("GET", USERS, "$skip=-1", 100, False),
        # One user named by a unique key: at most one row, from its index.
        ("GET", USERS, "$filter=name eq 'a'", 100, True),
        ("GET", USERS, "$filter= email  eq 'o''hara@example.com' ", 100, True),
        ("GET", GROUP_USERS, "$filter=email eq 'a@example.com'", 100, True),
        ("GET", USERS, "$filter=name eq 'a'&$top=1000", 100, False),
        # Anything else may read many rows.
        ("GET", USERS, "$filter=name eq 'a' or name eq 'b'", 100, False),
        ("GET", USERS, "$filter=name eq 'a''", 100, False),
        ("GET", USERS, "$filter=name ne 'a'", 100, False),
        ("GET", USERS, "$filter=firstName eq 'a'", 100, False),
        ("GET", USERS, "$filter=startswith(name,'a')", 100, False),
        ("GET", USERS, "$filter=name eq 'a'&$filter=contains(note,'x')", 100, False),
        ("GET", SUBSCRIPTIONS, "$filter=name eq 'a'", 100, False),
        ("POST", USERS, "", 100, False),
        ("PATCH", USERS, "", 100, False),
    ],
)
def test_which_requests_are_short_reads(
    method: str, path: str, query: str, page_size: int, expected: bool
) -> None:
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query.replace(" ", "%20").encode(),
        "headers": [],
    }
    request = Request(scope)
    assert short_read(request, on_loop=True, page_size=page_size) is expected
    assert short_read(request, on_loop=False, page_size=page_size) is False
