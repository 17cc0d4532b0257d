"""Requests uvicorn's parser refuses (bytes that are no HTTP/1.1) are answered by the server
with a styled 400 in the shape of the front door the request line names, and `Connection:
close`, under both parsers uvicorn offers: httptools (what `apidesk serve` runs) and h11 (its
pure-Python fallback). Never uvicorn's bare "Invalid HTTP request received."."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import httpx
import pytest
from support.server import LiveServer

H = b"Host: x\r\n"
MALFORMED = {
    "non-ascii-byte-in-path": (b"GET /portal/shop/products/\xc3\xa4 HTTP/1.1\r\n" + H, "portal"),
    "space-in-path": (b"GET /portal/shop/a b HTTP/1.1\r\n" + H, "portal"),
    "tab-in-path": (b"GET /console/a\tb HTTP/1.1\r\n" + H, "console"),
    "control-in-header": (
        b"GET /console/ HTTP/1.1\r\n" + H + b"Cookie: apidesk_console=a\x01b\r\n",
        "console",
    ),
    "unknown-method": (b"BREW /console/ HTTP/1.1\r\n" + H, "console"),
    "content-length-not-a-number": (
        b"POST /portal/shop/signin HTTP/1.1\r\n" + H + b"Content-Length: abc\r\n",
        "portal",
    ),
    # The head is fine; the body's first chunk size is no number.
    "bad-chunk-in-body": (
        b"POST /portal/shop/signin HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\nzz",
        "portal",
    ),
    "management-space-in-path": (b"GET /subscriptions/a b HTTP/1.1\r\n" + H, "management"),
    "management-control-in-header": (
        b"GET /subscriptions/x HTTP/1.1\r\n" + H + b"X-Note: a\x01b\r\n",
        "management",
    ),
    "management-non-ascii-byte": (b"GET /subscriptions/\xff HTTP/1.1\r\n" + H, "management"),
    "gateway-tab-in-path": (b"GET /gateway/a\tb/check HTTP/1.1\r\n" + H, "gateway"),
    "no-http-at-all": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n", "management"),
}
# What a page refused at each web door is titled after.
PAGE_FACES = {"portal": "Developer portal", "console": "Apidesk console"}
# What h11, unlike httptools, reads as HTTP (any token is a method; it allows control
# characters in header values).
H11_ACCEPTS = {"unknown-method", "control-in-header", "management-control-in-header"}


@pytest.fixture(params=["httptools", "h11"])
def url(request: pytest.FixtureRequest, server: LiveServer, h11_url: str) -> str:
    """`apidesk serve` itself (httptools), or the same app under h11."""
    return server.url if request.param == "httptools" else h11_url


def exchange(url: str, data: bytes) -> bytes:
    """Send `data` as is, then read until the server closes the connection."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


@pytest.mark.parametrize("case", list(MALFORMED))
def test_what_the_parser_refuses_is_a_styled_400(
    request: pytest.FixtureRequest, url: str, case: str
) -> None:
    head, shape = MALFORMED[case]
    answer = exchange(url, head + b"\r\n")
    status_line, _, rest = answer.partition(b"\r\n")
    headers, _, body = rest.partition(b"\r\n\r\n")
    fields = dict(
        (name.strip().lower(), value.strip())
        for name, _, value in (line.partition(b":") for line in headers.split(b"\r\n"))
    )
    if "h11" in request.node.callspec.id and case in H11_ACCEPTS:
        # h11 takes these as HTTP: the front door answers, in its own shape, not uvicorn.
        assert not status_line.startswith(b"HTTP/1.1 5"), answer[:400]
        assert not fields[b"content-type"].startswith(b"text/plain"), answer[:400]
        return
    assert status_line.startswith(b"HTTP/1.1 400"), answer[:400]
    assert fields[b"connection"] == b"close", answer[:400]
    assert b"Invalid HTTP request received" not in body
    assert int(fields[b"content-length"]) == len(body)
    if shape in ("portal", "console"):
        assert fields[b"content-type"].startswith(b"text/html"), answer[:400]
        assert b"<main>" in body and b"<h1>Bad request</h1>" in body
        assert b"default-src 'none'" in fields[b"content-security-policy"]
        # Each door's page in its own look and words: the console's is not the portal's.
        face = PAGE_FACES[shape]
        assert f"<title>Bad request · {face}</title>".encode() in body, body
        assert f'<body class="{shape}">'.encode() in body and f">{face}</".encode() in body
    elif shape == "gateway":
        assert fields[b"x-apidesk-reason"] == b"bad-request", answer[:400]
    else:
        assert fields[b"content-type"].startswith(b"application/json"), answer[:400]
        assert b'"code": "BadRequest"' in body, body
    # The server goes on serving.
    assert httpx.get(f"{url}/openapi.json").status_code == 200


def test_a_malformed_request_after_a_good_one_on_the_same_connection(url: str) -> None:
    good = b"GET /portal/ HTTP/1.1\r\n" + H + b"\r\n"
    bad = b"GET /portal/a b HTTP/1.1\r\n" + H + b"\r\n"
    answer = exchange(url, good + bad)
    first, _, second = answer.partition(b"HTTP/1.1 400")
    assert first.startswith(b"HTTP/1.1 404"), answer[:400]
    assert b"<main>" in second and b"connection: close" in second.lower(), answer[-600:]
