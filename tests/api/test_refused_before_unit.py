"""A management request whose credential cannot be genuine is refused before a unit of work
opens: a write's unit waits for SQLite's write turn, and a request without a real credential
must not make the deployment's writers queue behind it. Anything that looks like a credential
is checked in the handler's unit, as before."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest
from conftest import Workspace
from support.inprocess import InProcessServer, in_process_server
from support.server import ServiceRef

from apidesk.storage.database import Database

V = {"api-version": "2024-05-01"}
BODY = {"properties": {"email": "r@example.com", "firstName": "R", "lastName": "B"}}


@pytest.fixture(scope="module")
def live(workspace: Workspace) -> Iterator[InProcessServer]:
    with in_process_server(workspace.database_url, workspace.directory, None) as server:
        yield server


@pytest.fixture(scope="module")
def service(live: InProcessServer) -> ServiceRef:
    return live.new_service("refused")


@pytest.fixture
def units(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """`write` of every unit of work opened while the test runs."""
    opened: list[bool] = []
    original = Database.unit_of_work

    def watched(self: Database, *, write: bool = True) -> AbstractContextManager[Any]:
        opened.append(write)
        return original(self, write=write)

    monkeypatch.setattr(Database, "unit_of_work", watched)
    return opened


REQUESTS = [
    ("PUT", "/users/refused", BODY),
    ("PATCH", "/users/refused", {"properties": {"note": "x"}}),
    ("DELETE", "/users/refused", None),
    ("GET", "/users/refused", None),
]


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not-a-token",
        "Bearer apd_" + "x" * 300,  # the prefix, but longer than any token
        "SharedAccessSignature garbage",
        "SharedAccessSignature uid=1&ex=not-a-date&sn=abc",
    ],
)
def test_a_credential_that_cannot_be_genuine_opens_no_unit(
    live: InProcessServer, service: ServiceRef, units: list[bool], authorization: str
) -> None:
    for method, path, body in REQUESTS:
        response = httpx.request(
            method,
            f"{live.url}{service.url(path)}",
            params=V,
            json=body,
            headers={"Authorization": authorization, "If-Match": "*"},
        )
        assert response.status_code == 401, (method, response.text)
        assert response.json()["error"]["code"] == "AuthenticationFailed"
    assert units == []


def test_a_well_formed_wrong_token_is_checked_in_the_handlers_unit(
    live: InProcessServer, service: ServiceRef, units: list[bool]
) -> None:
    response = httpx.patch(
        f"{live.url}{service.url('/users/refused')}",
        params=V,
        json={"properties": {"note": "x"}},
        headers={"Authorization": "Bearer apd_" + "x" * 40, "If-Match": "*"},
    )
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("The access token is missing")
    assert units == [True]


@pytest.mark.parametrize(
    "cookies",
    [{}, {"apidesk_console": ""}, {"apidesk_console": "x" * 300}],
    ids=["no session", "empty session", "overlong session"],
)
def test_a_console_form_without_a_session_goes_to_sign_in_unread(
    live: InProcessServer, service: ServiceRef, units: list[bool], cookies: dict[str, str]
) -> None:
    """The console's forms need a signed-in operator: one sent without a session cookie that
    could be one is sent back to sign-in before any unit opens."""
    for path in ("/add-user", "/users/someone/block", "/apis/new"):
        response = httpx.post(
            f"{live.url}/console/{service.name}{path}",
            data={"csrf": "x", "email": "a@example.com"},
            cookies=cookies,
            follow_redirects=False,
        )
        assert response.status_code == 303, (path, response.text)
        assert response.headers["location"] == "/console/"
    assert units == []


def test_a_console_form_with_an_unknown_session_is_checked_in_its_unit(
    live: InProcessServer, service: ServiceRef, units: list[bool]
) -> None:
    response = httpx.post(
        f"{live.url}/console/{service.name}/apis/new",
        data={"csrf": "x"},
        cookies={"apidesk_console": "not-a-session"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/"
    assert units == [True]
