"""A process lets its requests' work into threads a few at a time (apidesk.threads): one at
a time on SQLite, up to four side by side on PostgreSQL, reads and writes each through a gate
of their own, whichever front door they came through. Eight requests sent at once are watched
as they enter a thread: each stays there a little longer than its work, so any two in threads
together are seen. That a slow write holds the others up by no more than `GATE_WAIT` is
tests/flows/test_template_save_lock.py's."""

from __future__ import annotations

import contextvars
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from conftest import Workspace
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer

from apidesk import threads

V = {"api-version": "2024-05-01"}
AT_ONCE = 8
Ready = Callable[[], object]


def _all_at_once(send: Callable[[int, Ready], httpx.Response]) -> list[httpx.Response]:
    """Sends `AT_ONCE` requests from threads of their own: each calls `ready()` once its
    client is open, and all go together once every one has."""
    start = threading.Barrier(AT_ONCE)
    with ThreadPoolExecutor(AT_ONCE) as senders:
        return list(senders.map(lambda n: send(n, start.wait), range(AT_ONCE)))


def _seed(app: InProcessServer, service_path: str, prefix: str) -> None:
    with app.client() as http:
        for n in range(AT_ONCE):
            email = f"{prefix}{n}@example.com"
            body = {"properties": {"email": email, "firstName": "T", "lastName": "N"}}
            http.put(f"{service_path}/users/{prefix}{n}", params=V, json=body).raise_for_status()


def _note(http: httpx.Client, user_path: str, note: str) -> httpx.Response:
    body = {"properties": {"note": note}}
    return http.patch(user_path, params=V, json=body, headers={"If-Match": "*"})


@pytest.fixture
def in_pool(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The most requests' works in threads at once, as the front doors hand them over."""
    seen = {"now": 0, "most": 0}
    lock = threading.Lock()
    handing = threads._in_thread  # what every hop, in turns or not, goes through

    async def watched(
        context: contextvars.Context, function: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Any:
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

        return await handing(context, run)

    monkeypatch.setattr(threads, "_in_thread", watched)
    # Each stays long enough that a request at the back would give up its place at the default.
    monkeypatch.setattr(threads, "GATE_WAIT", 60.0)
    return seen


def test_writes_enter_the_pool_a_few_at_a_time(
    workspace_app: InProcessServer, workspace: Workspace, in_pool: dict[str, int]
) -> None:
    service = workspace_app.new_service("gate")
    _seed(workspace_app, service.path, "g")
    in_pool["most"] = 0

    def patch(n: int, ready: Ready) -> httpx.Response:
        with workspace_app.client() as http:
            ready()
            return _note(http, f"{service.path}/users/g{n}", f"note {n}")

    answers = _all_at_once(patch)
    assert [answer.status_code for answer in answers] == [200] * AT_ONCE
    assert [answer.json()["properties"]["note"] for answer in answers] == [
        f"note {n}" for n in range(AT_ONCE)
    ]
    _at_once_expected(workspace, in_pool["most"])


def _at_once_expected(workspace: Workspace, most: int) -> None:
    if workspace.backend == "sqlite":
        assert most == 1
    else:
        assert 1 < most <= 4


def test_reads_that_hop_take_turns_too(
    workspace_app: InProcessServer, workspace: Workspace, in_pool: dict[str, int]
) -> None:
    """Filtered lists hop to a thread on both databases, in turns like writes."""
    service = workspace_app.new_service("gate-reads")

    def read(_: int, ready: Ready) -> httpx.Response:
        with workspace_app.client() as http:
            ready()
            return http.get(
                f"{service.path}/users", params={**V, "$filter": "startswith(name,'g')"}
            )

    answers = _all_at_once(read)
    assert [answer.status_code for answer in answers] == [200] * AT_ONCE
    _at_once_expected(workspace, in_pool["most"])


def test_reads_and_writes_have_gates_of_their_own(
    workspace_app: InProcessServer, workspace: Workspace, in_pool: dict[str, int]
) -> None:
    """With reads and writes sent together, a read is in a thread beside a write: on SQLite
    two at once, one of each."""
    service = workspace_app.new_service("gate-both")
    _seed(workspace_app, service.path, "b")
    in_pool["most"] = 0

    def send(n: int, ready: Ready) -> httpx.Response:
        with workspace_app.client() as http:
            ready()
            if n % 2:
                return http.get(
                    f"{service.path}/users", params={**V, "$filter": "startswith(name,'b')"}
                )
            return _note(http, f"{service.path}/users/b{n}", f"note {n}")

    answers = _all_at_once(send)
    assert [answer.status_code for answer in answers] == [200] * AT_ONCE
    if workspace.backend == "sqlite":
        assert in_pool["most"] == 2
    else:
        assert 2 < in_pool["most"] <= 8


def test_console_and_portal_pages_take_turns(
    workspace_app: InProcessServer, workspace: Workspace, in_pool: dict[str, int]
) -> None:
    """The console's pages and the portal's go through the same gates as the API's calls."""
    service = workspace_app.new_service("gate-pages")
    with workspace_app.client() as browser:
        signed_in_operator(workspace_app, Person(browser))
        cookies = dict(browser.cookies)
    in_pool["most"] = 0

    def page(n: int, ready: Ready) -> httpx.Response:
        with workspace_app.client() as http:
            http.cookies.update(cookies)
            ready()
            if n % 2:
                return http.get(f"/portal/{service.name}/signin")
            return http.get(f"/console/{service.name}/users")

    answers = _all_at_once(page)
    assert [answer.status_code for answer in answers] == [200] * AT_ONCE
    assert "Users of" in answers[0].text
    _at_once_expected(workspace, in_pool["most"])


def test_console_forms_share_the_gate_of_the_apis_writes(
    workspace_app: InProcessServer, workspace: Workspace, in_pool: dict[str, int]
) -> None:
    """Blocking users in the console and PATCHes through the API, sent together, are writes
    of one process: they take the same turns."""
    service = workspace_app.new_service("gate-forms")
    _seed(workspace_app, service.path, "f")
    with workspace_app.portal() as browser:
        person = Person(browser)
        signed_in_operator(workspace_app, person)
        page = person.get(f"/console/{service.name}/users")
        cookies = dict(browser.cookies)
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    in_pool["most"] = 0

    def send(n: int, ready: Ready) -> httpx.Response:
        if n % 2:
            with workspace_app.portal(cookies=cookies) as browser:
                ready()
                return browser.post(
                    f"/console/{service.name}/users/f{n}/block", data={"csrf": token.group(1)}
                )
        with workspace_app.client() as http:
            ready()
            return _note(http, f"{service.path}/users/f{n}", f"note {n}")

    answers = _all_at_once(send)
    assert [answer.status_code for answer in answers] == [200, 303] * (AT_ONCE // 2)
    with workspace_app.client() as http:
        states = [
            http.get(f"{service.path}/users/f{n}", params=V).json()["properties"]["state"]
            for n in range(AT_ONCE)
        ]
    assert states == ["active", "blocked"] * (AT_ONCE // 2)
    _at_once_expected(workspace, in_pool["most"])


class _HeldHash:
    """argon2's hasher, but a hash waits for `release` (and says when it has begun)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.begun, self.release = threading.Event(), threading.Event()

    def hash(self, password: str) -> str:
        self.begun.set()
        self.release.wait(timeout=60)
        return str(self.real.hash(password))


def test_a_password_hash_gives_up_its_writes_place(
    workspace_app: InProcessServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A create with a password steps aside from the write gate as its hash begins: a PATCH
    behind it goes in while the hash is held, long before `GATE_WAIT` (set to a minute)."""
    monkeypatch.setattr(threads, "GATE_WAIT", 60.0)
    service = workspace_app.new_service("gate-hash")
    with workspace_app.client() as http:
        body = {"properties": {"email": "h0@example.com", "firstName": "H", "lastName": "N"}}
        http.put(f"{service.path}/users/h0", params=V, json=body).raise_for_status()
    passwords = workspace_app.runtime.passwords
    held = _HeldHash(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", held)
    created: list[httpx.Response] = []

    def create() -> None:
        with workspace_app.client() as http:
            properties = {"email": "h1@example.com", "firstName": "H", "lastName": "One"}
            properties["password"] = "a long and quiet harbour at dawn"
            body = {"properties": properties}
            created.append(http.put(f"{service.path}/users/h1", params=V, json=body))

    creator = threading.Thread(target=create)
    creator.start()
    try:
        assert held.begun.wait(timeout=60), "the create never began its hash"
        with workspace_app.client() as http:
            patched = _note(http, f"{service.path}/users/h0", "in beside a hash")
        assert patched.status_code == 200, patched.text
        assert not created  # the hash is still held
    finally:
        held.release.set()
        creator.join(timeout=60)
    assert created and created[0].status_code == 201, created[0].text if created else "none"
