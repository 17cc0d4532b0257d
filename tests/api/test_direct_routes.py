"""Direct dispatch (apidesk.api.management.direct) answers exactly as FastAPI does.

Every request below goes to two management apps on one database: one with direct dispatch
and one without. Status, headers and body must be the same, for valid requests and for every
kind of doubtful one (a missing or repeated api-version, bad credentials, over-long ids, whole
numbers and flags written in unusual ways, wrong methods, trailing slashes). Separately, a
request that is plainly valid must not reach FastAPI at all, and a doubtful one must.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send
from support.server import RESOURCE_GROUP, SUBSCRIPTION, ServiceRef, service_body

from apidesk.api import management
from apidesk.api.management.deps import PLUMBING
from apidesk.api.management.direct import DirectRoutes, eligible
from apidesk.domain import admin_tokens
from apidesk.domain.context import Context, Runtime
from apidesk.domain.instances import service as instances

V = "api-version=2024-05-01"
UNCOMPARED = {"date"}


class Client:
    """A synchronous client of an ASGI app, on an event loop of its own."""

    def __init__(self, app: Any) -> None:
        self.loop = asyncio.new_event_loop()
        transport = httpx.ASGITransport(app=app)
        self.http = httpx.AsyncClient(transport=transport, base_url="http://apidesk.test")

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.http.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


@dataclass
class Apps:
    direct: Client
    plain: Client
    service: ServiceRef
    twin: ServiceRef  # set up as `service` is, for writes through the plain app
    token: str
    limited: str  # a token limited to another service


@pytest.fixture(scope="module")
def apps(runtime: Runtime) -> Iterator[Apps]:
    service = ServiceRef(SUBSCRIPTION, RESOURCE_GROUP, "direct-routes")
    twin = ServiceRef(SUBSCRIPTION, RESOURCE_GROUP, "direct-routes-twin")
    other = ServiceRef(SUBSCRIPTION, RESOURCE_GROUP, "direct-routes-other")
    with runtime.database.unit_of_work() as session:
        ctx = Context(runtime, session, "tests")
        token = admin_tokens.create(ctx, None).secret
    plain = Client(management.create_app(runtime, direct=False))
    direct = Client(management.create_app(runtime))
    auth = {"Authorization": f"Bearer {token}"}
    for ref in (service, twin, other):
        created = plain.put(
            f"{ref.path}?{V}", json=service_body(f"p@{ref.name}.example"), headers=auth
        )
        assert created.status_code in (200, 201), created.text
    with runtime.database.unit_of_work() as session:
        ctx = Context(runtime, session, "tests")
        instance = instances.find_by_name(ctx, other.name)
        limited = admin_tokens.create(ctx, "direct-limited", instance=instance).secret
    for url, body in (
        ("/users/u1", {"email": "u1@example.com", "firstName": "U", "lastName": "One"}),
        ("/users/u2", {"email": "u2@example.com", "firstName": "U", "lastName": "Two"}),
        ("/groups/g1", {"displayName": "G one"}),
        ("/groups/g1/users/u1", None),
        ("/apis/echo", {"displayName": "Echo", "path": "echo"}),
        ("/products/p1", {"displayName": "P one", "state": "published"}),
        (
            "/subscriptions/s1",
            {"scope": "/products/p1", "ownerId": "/users/u1", "displayName": "S"},
        ),
    ):
        for ref in (service, twin):
            answer = plain.put(
                f"{ref.path}{url}?{V}",
                json=None if body is None else {"properties": body},
                headers=auth,
            )
            assert answer.status_code in (200, 201), (url, answer.text)
    try:
        yield Apps(direct, plain, service, twin, token, limited)
    finally:
        plain.close()
        direct.close()


def _same(apps: Apps, method: str, url: str, headers: dict[str, str]) -> int:
    answers = [client.request(method, url, headers=headers) for client in (apps.direct, apps.plain)]
    shown = [
        (a.status_code, {k: v for k, v in a.headers.items() if k not in UNCOMPARED}, a.content)
        for a in answers
    ]
    assert shown[0] == shown[1], f"{method} {url} {headers}"
    return answers[0].status_code


def _requests(apps: Apps) -> list[tuple[str, str, dict[str, str]]]:
    s = apps.service.path
    ok = {"Authorization": f"Bearer {apps.token}"}
    long_id = "u" * 81
    reads = [
        f"{s}/users/u1?{V}",
        f"{s}/users/U1?{V}",
        f"{s}/users/nobody?{V}",
        f"{s}/users/{long_id}?{V}",
        f"{s}/users/{'u' * 80}?{V}",
        f"{s}/users?{V}",
        f"{s}/users?{V}&$top=1",
        f"{s}/users?{V}&$top=1&$skip=1",
        f"{s}/users?{V}&$top=007",
        f"{s}/users?{V}&$top=0",
        f"{s}/users?{V}&$top=-1",
        f"{s}/users?{V}&$top=abc",
        f"{s}/users?{V}&$top=",
        f"{s}/users?{V}&$top=2147483647",
        f"{s}/users?{V}&$top=2147483648",
        f"{s}/users?{V}&$top=%C2%B2",
        f"{s}/users?{V}&$skip=1e3",
        f"{s}/users?{V}&$skip=+1",
        f"{s}/users?{V}&$top=1&$top=2",
        f"{s}/users?{V}&expandGroups=true",
        f"{s}/users?{V}&expandGroups=false",
        f"{s}/users?{V}&expandGroups=TRUE",
        f"{s}/users?{V}&expandGroups=yes",
        f"{s}/users?{V}&expandGroups=2",
        f"{s}/users?{V}&$filter=startswith(name,'u')",
        f"{s}/users?{V}&$filter=nonsense(",
        f"{s}/users?{V}&$filter={'x' * 4001}",
        f"{s}/users/u1/groups?{V}",
        f"{s}/users/u1/subscriptions?{V}",
        f"{s}/groups?{V}",
        f"{s}/groups/g1?{V}",
        f"{s}/groups/g1/users?{V}",
        f"{s}/products/p1?{V}",
        f"{s}/products/p1/apis?{V}",
        f"{s}/apis/echo?{V}",
        f"{s}/subscriptions/s1?{V}",
        f"{s}/tenant?{V}",
        f"{s}/templates?{V}",
        f"{s}/notifications?{V}",
        f"{s}/portalsettings?{V}",
        f"{s}/users/u1",
        f"{s}/users/u1?api-version=2020-01-01",
        f"{s}/users/u1?{V}&api-version=2020-01-01",
        f"{s}/users/u1?api-version=2020-01-01&{V}",
        f"{s}/users/u1?api-version=",
        f"{s}/users/u1/?{V}",
        f"{s}/users/u1/nothing?{V}",
        f"{s.replace('direct-routes', 'no-such-service')}/users/u1?{V}",
        f"{s.replace(RESOURCE_GROUP, 'r' * 91)}/users/u1?{V}",
        f"{s.replace(SUBSCRIPTION, 'not-a-uuid')}/users/u1?{V}",
        f"{s.replace('direct-routes', 'd' * 51)}/users/u1?{V}",
        f"/docs?{V}",
    ]
    credentials: list[dict[str, str]] = [
        ok,
        {},
        {"Authorization": "Bearer junk"},
        {"Authorization": "Bearer apd_" + "x" * 40},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "SharedAccessSignature nonsense"},
        {"Authorization": f"Bearer {apps.limited}"},
    ]
    asked = [(method, url, ok) for url in reads for method in ("GET", "HEAD")]
    checked = (
        f"{s}/users/u1?{V}",
        f"{s}/users?{V}&$top=1",
        f"{s}/users/u1",
        f"{s}/users/u1?api-version=2020-01-01",
        f"{s}/users/{long_id}?{V}",
    )
    asked += [("GET", url, who) for url in checked for who in credentials[1:]]
    asked += [
        ("POST", f"{s}/subscriptions/s1/listSecrets?{V}", ok),
        ("PATCH", f"{s}/users/u1/groups?{V}", ok),
        ("DELETE", f"{s}/groups/nothing?{V}", {**ok, "If-Match": "*"}),
        ("DELETE", f"{s}/groups/g1?{V}", ok),
        ("DELETE", f"{s}/groups/g1?{V}", {**ok, "If-Match": '"stale"'}),
        ("DELETE", f"{s}/groups/g1/users/nobody?{V}", ok),
    ]
    return asked


def test_both_paths_give_the_same_answers(apps: Apps) -> None:
    statuses = {_same(apps, method, url, who) for method, url, who in _requests(apps)}
    # The requests reach every kind of answer: the comparison is not of errors alone.
    assert {200, 400, 401, 403, 404, 405, 412} <= statuses


_MOMENT = re.compile(rb"\d{4}-\d\d-\d\dT[0-9:.]+Z?")


def _written(apps: Apps, method: str, url: str, headers: dict[str, str], body: bytes) -> int:
    """The same write through each app, each on its own twin of the service: the answers
    must be the same but for the service's name, entity tags (random) and times."""
    shown = []
    for client, service in ((apps.direct, apps.service), (apps.plain, apps.twin)):
        answer = client.request(method, service.path + url, headers=headers, content=body)
        content = _MOMENT.sub(b"<time>", answer.content.replace(service.name.encode(), b"<s>"))
        kept = {
            k: v
            for k, v in answer.headers.items()
            if k not in UNCOMPARED | {"etag", "content-length"}  # the names differ in length
        }
        shown.append((answer.status_code, kept, "etag" in answer.headers, content))
    assert shown[0] == shown[1], f"{method} {url} {headers} {body!r}"
    return shown[0][0]


def test_writes_with_a_body_give_the_same_answers(apps: Apps) -> None:
    ok = {"Authorization": f"Bearer {apps.token}"}
    json_ok = {**ok, "Content-Type": "application/json", "If-Match": "*"}
    note = b'{"properties": {"note": "n1"}}'
    new = b'{"properties": {"email": "n1@example.com", "firstName": "N", "lastName": "One"}}'
    asked: list[tuple[str, str, dict[str, str], bytes]] = [
        ("PATCH", f"/users/u1?{V}", json_ok, note),
        ("PATCH", f"/users/u1?{V}", {**json_ok, "Content-Type": "Application/JSON"}, note),
        (
            "PATCH",
            f"/users/u1?{V}",
            {**json_ok, "Content-Type": "application/json; charset=utf-8"},
            note,
        ),
        ("PATCH", f"/users/u1?{V}", {**json_ok, "Content-Type": "text/plain"}, note),
        ("PATCH", f"/users/u1?{V}", {**ok, "If-Match": "*"}, note),
        ("PATCH", f"/users/u1?{V}", json_ok, b""),
        ("PATCH", f"/users/u1?{V}", json_ok, b"{"),
        ("PATCH", f"/users/u1?{V}", json_ok, b"[]"),
        ("PATCH", f"/users/u1?{V}", json_ok, b"\xef\xbb\xbf" + note),
        ("PATCH", f"/users/u1?{V}", json_ok, b'{"properties": {"note": 5}}'),
        ("PATCH", f"/users/u1?{V}", json_ok, b'{"properties": {"note": NaN}}'),
        ("PATCH", f"/users/u1?{V}", json_ok, b'{"properties": {"email": "not an address"}}'),
        ("PATCH", f"/users/u1?{V}", json_ok, b'{"properties": {"unknown": 1}}'),
        ("PATCH", f"/users/u1?{V}", json_ok, b'{"properties": {"note": "\\u00e9t\\u00e9"}}'),
        ("PATCH", f"/users/u1?{V}", {**json_ok, "If-Match": '"stale"'}, note),
        ("PATCH", f"/users/u1?{V}", {k: v for k, v in json_ok.items() if k != "If-Match"}, note),
        ("PATCH", f"/users/u1?{V}", {**json_ok, "Authorization": "Bearer junk"}, note),
        ("PATCH", f"/users/nobody?{V}", json_ok, note),
        ("PATCH", "/users/u1", json_ok, note),
        ("PUT", f"/users/n1?{V}", {**ok, "Content-Type": "application/json"}, new),
        ("PUT", f"/users/n1?{V}", {**ok, "Content-Type": "application/json"}, new),
        ("PUT", f"/users/n2?{V}&notify=true", {**ok, "Content-Type": "application/json"}, new),
        (
            "PUT",
            f"/groups/g2?{V}",
            {**ok, "Content-Type": "application/json"},
            b'{"properties": {"displayName": "G2"}}',
        ),
        ("PATCH", f"/groups/g2?{V}", json_ok, b'{"properties": {"description": "second"}}'),
    ]
    statuses = {_written(apps, *case) for case in asked}
    assert {200, 201, 400, 401, 404, 409, 412} <= statuses


class _Counted:
    """FastAPI's side of direct dispatch, counting what reaches it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.seen.append(scope["path"])
        await self.app(scope, receive, send)


def test_plainly_valid_requests_skip_fastapi_and_doubtful_ones_reach_it(
    apps: Apps, runtime: Runtime
) -> None:
    fastapi = _Counted(management.create_app(runtime, direct=False))
    routed = DirectRoutes(
        fastapi,
        routers=management.routers(),
        plumbing=PLUMBING,
        handlers=fastapi.app.exception_handlers,
    )
    s = apps.service.path
    ok = {"Authorization": f"Bearer {apps.token}"}

    async def under_the_app(scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = fastapi.app  # as Starlette sets it before its middleware runs
        await routed(scope, receive, send)

    client = Client(under_the_app)
    try:
        for url in (
            f"{s}/users/u1?{V}",
            f"{s}/users/nobody?{V}",  # a 404 from the handler, rendered here
            f"{s}/users?{V}&$top=2&expandGroups=true",
            f"{s}/groups/g1/users?{V}",
        ):
            assert client.get(url, headers=ok).status_code in (200, 404)
        assert fastapi.seen == []
        for url, who, status in (
            (f"{s}/users/u1", ok, 400),
            (f"{s}/users/u1?{V}", {}, 401),
            (f"{s}/users/{'u' * 81}?{V}", ok, 400),
            (f"{s}/users?{V}&$top=0", ok, 400),
            (f"{s}/users?{V}&expandGroups=yes", ok, 200),  # Pydantic's "yes": FastAPI's to read
            (f"{s}/users/u1/?{V}", ok, 307),  # FastAPI redirects to the path without "/"
        ):
            assert client.get(url, headers=who).status_code == status, url
        assert len(fastapi.seen) == 6
        # A JSON body the model takes is read here; a doubtful one goes to FastAPI, which
        # reads the same bytes again.
        patch = {**ok, "If-Match": "*"}
        note = {"properties": {"note": "direct"}}
        assert client.patch(f"{s}/users/u1?{V}", json=note, headers=patch).status_code == 200
        assert len(fastapi.seen) == 6
        for body, status in (('{"properties": {"note": 5}}', 400), ('{"properties": {}}', 200)):
            plain_text = {**patch, "Content-Type": "text/plain"}
            answer = client.patch(f"{s}/users/u1?{V}", content=body, headers=plain_text)
            assert answer.status_code == 400
            answer = client.patch(
                f"{s}/users/u1?{V}",
                content=body,
                headers={**patch, "Content-Type": "application/json"},
            )
            assert answer.status_code == status
        assert len(fastapi.seen) == 9
    finally:
        client.close()


def test_which_routes_are_direct() -> None:
    table = {
        (method, path): direct for method, path, direct in eligible(management.routers(), PLUMBING)
    }
    prefix = management.SERVICE_PREFIX
    assert table[("GET", prefix + "/users/{userId}")]
    assert table[("HEAD", prefix + "/users/{userId}")]
    assert table[("GET", prefix + "/users")]
    assert table[("DELETE", prefix + "/groups/{groupId}")]
    assert table[("PATCH", prefix + "/users/{userId}")]
    assert table[("PUT", prefix + "/users/{userId}")]
    # A parameter that is not plain text, a whole number or a flag: FastAPI's.
    assert not table[("DELETE", prefix + "/users/{userId}")]  # appType is a choice
    assert not table[("POST", prefix + "/users/import")]
