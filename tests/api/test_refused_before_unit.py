"""A management request whose credential cannot be genuine is refused before a unit of work
opens: a write's unit waits for SQLite's write turn, and a request without a real credential
must not make the deployment's writers queue behind it. Anything that looks like a credential
is checked in the handler's unit, or, where writers queue, in a short read before the write's."""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest
from support.inprocess import InProcessServer
from support.server import ServiceRef

from apidesk.api.management.deps import Credential, InstanceCall
from apidesk.domain.users import service as users
from apidesk.domain.users.service import UserFields
from apidesk.errors import NotFound, Vanished
from apidesk.storage.database import Database

V = {"api-version": "2024-05-01"}
BODY = {"properties": {"email": "r@example.com", "firstName": "R", "lastName": "B"}}


@pytest.fixture(scope="module")
def service(workspace_app: InProcessServer) -> ServiceRef:
    return workspace_app.new_service("refused")


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
    workspace_app: InProcessServer, service: ServiceRef, units: list[bool], authorization: str
) -> None:
    for method, path, body in REQUESTS:
        response = httpx.request(
            method,
            f"{workspace_app.url}{service.url(path)}",
            params=V,
            json=body,
            headers={"Authorization": authorization, "If-Match": "*"},
        )
        assert response.status_code == 401, (method, response.text)
        assert response.json()["error"]["code"] == "AuthenticationFailed"
    assert units == []


def test_a_well_formed_wrong_token_is_checked_without_taking_a_write_turn(
    workspace_app: InProcessServer, service: ServiceRef, units: list[bool]
) -> None:
    """Where writers take turns (SQLite), a write's credential and service are read in a short
    read before it queues, and the write's own unit serves the rest; elsewhere the handler's
    unit checks the credential first thing."""
    queues = workspace_app.runtime.database.queues_writers
    response = httpx.patch(
        f"{workspace_app.url}{service.url('/users/refused')}",
        params=V,
        json={"properties": {"note": "x"}},
        headers={"Authorization": "Bearer apd_" + "x" * 40, "If-Match": "*"},
    )
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("The access token is missing")
    assert units == ([False] if queues else [True])

    units.clear()
    answered = httpx.put(
        f"{workspace_app.url}{service.url('/users/let-in')}",
        params=V,
        json={"properties": {"email": "let-in@example.com", "firstName": "L", "lastName": "I"}},
        headers={"Authorization": f"Bearer {workspace_app.token}"},
    )
    assert answered.status_code == 201, answered.text
    assert units == ([False, True] if queues else [True])


@pytest.mark.parametrize(
    "cookies",
    [{}, {"apidesk_console": ""}, {"apidesk_console": "x" * 300}],
    ids=["no session", "empty session", "overlong session"],
)
def test_a_console_form_without_a_session_goes_to_sign_in_unread(
    workspace_app: InProcessServer, service: ServiceRef, units: list[bool], cookies: dict[str, str]
) -> None:
    """The console's forms need a signed-in operator: one sent without a session cookie that
    could be one is sent back to sign-in before any unit opens."""
    for path in ("/add-user", "/users/someone/block", "/apis/new"):
        response = httpx.post(
            f"{workspace_app.url}/console/{service.name}{path}",
            data={"csrf": "x", "email": "a@example.com"},
            cookies=cookies,
            follow_redirects=False,
        )
        assert response.status_code == 303, (path, response.text)
        assert response.headers["location"] == "/console/"
    assert units == []


def test_a_console_form_with_an_unknown_session_is_checked_in_its_unit(
    workspace_app: InProcessServer, service: ServiceRef, units: list[bool]
) -> None:
    """A session that ended while its form was open: the form is this browser's own (its
    token matches the cookies), so its unit finds no operator and sends it to sign in."""
    with httpx.Client(base_url=workspace_app.url, follow_redirects=False) as browser:
        browser.cookies.set("apidesk_console", "not-a-session")
        page = browser.get("/console/signin")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token, page.text
        units.clear()
        response = browser.post(f"/console/{service.name}/apis/new", data={"csrf": token[1]})
    assert response.status_code == 303
    assert response.headers["location"] == "/console/"
    assert units == [True]


def test_a_forged_console_form_is_refused_before_its_unit(
    workspace_app: InProcessServer, service: ServiceRef, units: list[bool]
) -> None:
    """A form that is not this browser's own is refused (403) without the write unit: only
    the page's read of who is asking."""
    response = httpx.post(
        f"{workspace_app.url}/console/{service.name}/apis/new",
        data={"csrf": "x"},
        cookies={"apidesk_console": "not-a-session"},
        follow_redirects=False,
    )
    assert response.status_code == 403 and "Form not accepted" in response.text
    assert units == [False]


def test_a_service_deleted_between_the_check_and_the_write_loses_nothing_and_errs_clearly(
    workspace_app: InProcessServer,
) -> None:
    """The service read with the credential serves the write's unit; if the service goes in
    between, the write finds nothing to change (404) or its foreign key refuses it, which the
    unit of work raises as `Vanished`: the same 404, not a bare IntegrityError."""
    doomed = workspace_app.new_service("doomed")
    with workspace_app.client() as client:
        put = client.put(doomed.url("/users/kept"), params=V, json=BODY)
        assert put.status_code == 201, put.text

    def checked_call() -> InstanceCall:
        call = InstanceCall(
            workspace_app.runtime,
            Credential("bearer", workspace_app.token, None),
            True,
            doomed.subscription_id,
            doomed.resource_group,
            doomed.name,
        )
        call.authenticate()
        return call

    change, create = checked_call(), checked_call()
    with workspace_app.client() as client:
        assert client.delete(doomed.path, params=V).status_code in (200, 202, 204)
    with pytest.raises(NotFound), change.instance() as ictx:
        users.update(ictx, "kept", {"note": "x"}, expected_etag="*")
    fields: UserFields = {"email": "new@example.com", "first_name": "N", "last_name": "U"}
    with pytest.raises(Vanished), create.instance() as ictx:
        users.create_or_update(ictx, "new", fields)
    with workspace_app.client() as client:
        assert client.get(doomed.path, params=V).status_code == 404
