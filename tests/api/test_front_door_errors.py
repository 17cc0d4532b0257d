"""Every front door answers every failure in its own shape, from a real `apidesk serve`: the
ARM error body for the management API, a styled page for the portal, the key check's JSON and
headers for the gateway. Oversized request headers are refused with 431 before any route runs.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select, update
from support.server import LiveServer, ServiceRef

from apidesk.domain.context import Runtime
from apidesk.storage.models import Instance, TenantAccess

V = {"api-version": "2024-05-01"}
PAGE_MARK = "Developer portal"  # the header of a portal page outside any instance


def is_portal_page(response: httpx.Response) -> bool:
    return (
        response.headers["content-type"].startswith("text/html")
        and "<main>" in response.text
        and "default-src 'none'" in response.headers["content-security-policy"]
    )


def face_of(response: httpx.Response) -> tuple[str, str, str]:
    """A refusal page's look and words: its body's class, its <title> and its <h1>."""
    text = response.text

    def between(start: str, end: str) -> str:
        return text.partition(start)[2].partition(end)[0]

    return between('<body class="', '"'), between("<title>", "</title>"), between("<h1>", "</h1>")


def is_arm_error(response: httpx.Response, code: str) -> bool:
    body = response.json()
    return response.headers["content-type"].startswith("application/json") and (
        body["error"]["code"] == code
    )


def is_gateway_answer(response: httpx.Response, reason: str) -> bool:
    body = response.json()
    return (
        response.headers["x-apidesk-reason"] == reason
        and body["reason"] == reason
        and body["statusCode"] == response.status_code
    )


def raw_request(server: LiveServer, head: bytes) -> bytes:
    """Send a request head as is and read the whole answer."""
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


# --- Oversized headers ---------------------------------------------------------------------

BIG_FIELD = "x" * 20_000  # over the per-header budget, under the server's bound on a head


def test_an_oversized_header_is_431_in_the_management_shape(
    http: httpx.Client, service: ServiceRef
) -> None:
    response = http.get(service.url("/users"), params=V, headers={"X-Padding": BIG_FIELD})
    assert response.status_code == 431
    assert is_arm_error(response, "RequestHeaderFieldsTooLarge")


def test_many_headers_together_are_431(http: httpx.Client, service: ServiceRef) -> None:
    headers = {f"X-Part-{n}": "y" * 4000 for n in range(10)}
    response = http.get(service.url("/users"), params=V, headers=headers)
    assert response.status_code == 431
    assert is_arm_error(response, "RequestHeaderFieldsTooLarge")


def test_an_oversized_header_is_431_as_a_portal_page(
    server: LiveServer, service: ServiceRef
) -> None:
    response = httpx.get(
        f"{server.url}/portal/{service.name}/signin", headers={"X-Padding": BIG_FIELD}
    )
    assert response.status_code == 431
    assert is_portal_page(response)


def test_an_oversized_header_under_console_is_431_as_a_console_page(server: LiveServer) -> None:
    response = httpx.get(f"{server.url}/console/signin", headers={"X-Padding": BIG_FIELD})
    assert response.status_code == 431
    assert is_portal_page(response)
    assert face_of(response) == ("console", "Too large · Apidesk console", "Too large")
    assert "Developer portal" not in response.text


@pytest.mark.parametrize(
    ("path", "face"),
    [
        ("/console/signin", ("console", "Too large · Apidesk console", "Too large")),
        ("/portal/anything/signin", ("portal", "Too large · Developer portal", "Too large")),
    ],
)
def test_a_body_too_large_is_413_in_the_look_of_its_door(
    server: LiveServer, path: str, face: tuple[str, str, str]
) -> None:
    response = httpx.post(
        f"{server.url}{path}",
        content=b"email=" + b"x" * (1024 * 1024 + 10),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert is_portal_page(response)
    assert face_of(response) == face
    assert "The request body is larger than 1048576 bytes." in response.text


def test_an_oversized_header_is_431_in_the_gateways_shape(
    server: LiveServer, service: ServiceRef
) -> None:
    response = httpx.get(
        f"{server.url}/gateway/{service.name}/check", headers={"X-Original-URI": "/" + BIG_FIELD}
    )
    assert response.status_code == 431
    assert is_gateway_answer(response, "headers-too-large")


@pytest.mark.parametrize(
    ("path", "shape"),
    [
        ("/gateway/anything/check", "gateway"),
        ("/portal/anything/signin", "portal"),
        ("/console/signin", "console"),
        ("/subscriptions/x/resourceGroups/y", "management"),
    ],
)
def test_a_huge_head_is_refused_by_the_server_before_it_is_complete(
    server: LiveServer, http: httpx.Client, path: str, shape: str
) -> None:
    # A megabyte of header that never ends: the server stops reading at its bound.
    head = f"GET {path} HTTP/1.1\r\nHost: x\r\nX-Original-URI: /".encode() + b"a" * 1_000_000
    answer = raw_request(server, head)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 431"), answer[:300]
    headers, _, body = rest.partition(b"\r\n\r\n")
    if shape == "portal":
        assert b"text/html" in headers and b"<main>" in body
        assert "<title>Too large · Developer portal</title>".encode() in body
    elif shape == "console":
        assert b"text/html" in headers and b"<main>" in body
        assert "<title>Too large · Apidesk console</title>".encode() in body
    elif shape == "gateway":
        assert b"x-apidesk-reason: headers-too-large" in headers.lower()
    else:
        assert b'"RequestHeaderFieldsTooLarge"' in body
    # The server goes on serving.
    assert http.get("/openapi.json").status_code == 200


# --- The portal ----------------------------------------------------------------------------


def test_an_unknown_service_in_a_portal_url_gets_a_styled_404(server: LiveServer) -> None:
    response = httpx.get(f"{server.url}/portal/no-such-service-here/signin")
    assert response.status_code == 404
    assert is_portal_page(response) and PAGE_MARK in response.text


@pytest.mark.parametrize("path", ["/portal/", "/portal", "/portal/{name}/nothing-here"])
def test_an_unknown_portal_page_gets_a_styled_404(
    server: LiveServer, service: ServiceRef, path: str
) -> None:
    response = httpx.get(f"{server.url}{path.format(name=service.name)}")
    assert response.status_code == 404
    assert is_portal_page(response)


def test_a_wrong_method_on_a_portal_page_gets_a_styled_405(
    server: LiveServer, service: ServiceRef
) -> None:
    response = httpx.put(f"{server.url}/portal/{service.name}/signin")
    assert response.status_code == 405
    assert is_portal_page(response)
    assert response.headers["allow"] == "GET, HEAD, POST"


def test_a_form_that_cannot_be_read_is_a_styled_400(
    server: LiveServer, service: ServiceRef
) -> None:
    response = httpx.post(
        f"{server.url}/portal/{service.name}/signin",
        headers={"Content-Type": "multipart/form-data"},  # no boundary: unreadable
        content=b"email=x",
    )
    assert response.status_code == 400
    assert is_portal_page(response)


def test_a_failure_inside_a_portal_page_is_a_500_page_without_a_trace(
    server: LiveServer, runtime: Runtime, http: httpx.Client, service: ServiceRef
) -> None:
    http.put(
        service.url("/users/broken"),
        params=V,
        json={"properties": {"email": "b@example.com", "firstName": "B", "lastName": "Roken"}},
    ).raise_for_status()
    url = http.post(service.url("/users/broken/generateSsoUrl"), params=V).json()["value"]
    corrupt_signing_key(runtime, service)
    logged = len(server.log())
    parts = urlsplit(url)
    response = httpx.get(f"{server.url}{parts.path}?{parts.query}")
    assert response.status_code == 500
    assert is_portal_page(response)
    assert "Traceback" not in response.text and "SecretKeyError" not in response.text
    assert "SecretKeyError" in server.log()[logged:]  # the trace is in the log instead
    secrets = http.post(service.url("/tenant/access/listSecrets"), params=V)
    assert secrets.status_code == 500
    assert is_arm_error(secrets, "InternalServerError")


def corrupt_signing_key(runtime: Runtime, service: ServiceRef) -> None:
    """Seal the instance's signing key with garbage, as a database restored from elsewhere
    without its secret key would hold."""
    with runtime.database.unit_of_work() as session:
        instance_id = session.scalar(
            select(Instance.id).where(Instance.name_key == service.name.lower())
        )
        session.execute(
            update(TenantAccess)
            .where(TenantAccess.instance_id == instance_id)
            .values(primary_key="v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        )


# --- The gateway ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status", "reason"),
    [
        ("GET", "/gateway/nothing/here/at/all/x", 404, "not-found"),
        ("GET", "/gateway/", 404, "not-found"),
        ("POST", "/gateway/health", 405, "method-not-allowed"),
    ],
)
def test_the_gateway_answers_its_own_failures_in_its_own_shape(
    server: LiveServer, method: str, path: str, status: int, reason: str
) -> None:
    response = httpx.request(method, f"{server.url}{path}")
    assert response.status_code == status, response.text
    assert is_gateway_answer(response, reason)


def test_the_pure_python_parser_refuses_a_huge_head_the_same_way(h11_url: str) -> None:
    parts = urlsplit(h11_url)
    head = b"GET /gateway/a/check HTTP/1.1\r\nHost: x\r\nX-Original-URI: /" + b"a" * 1_000_000
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 431"), answer[:300]
    assert b"x-apidesk-reason: headers-too-large" in answer.lower()
    assert httpx.get(f"{h11_url}/gateway/health").status_code == 200
    padded = httpx.get(f"{h11_url}/gateway/health", headers={"X-Padding": BIG_FIELD})
    assert padded.status_code == 431
