"""Requests refused before any front door ran (a body or headers too large, a NUL in the URL),
answered in the shape of the door the path belongs to: a styled page for the portal and the
console, each in its own look and words, the key check's JSON and headers for the gateway, the
ARM error body for the management API."""

from __future__ import annotations

import json

from starlette.responses import Response

from apidesk.console.base import refusal_page as console_refusal
from apidesk.gateway.app import refusal as gateway_refusal
from apidesk.portal import pages


class BodyTooLarge(Exception):
    """Raised from `receive` once a body passes the limit; the limit answers 413 for it."""


PORTAL = "/portal"
CONSOLE = "/console"
GATEWAY = "/gateway"

# What the key check calls each refusal (its `X-Apidesk-Reason`).
_GATEWAY_REASONS = {400: "bad-request", 413: "body-too-large", 431: "headers-too-large"}


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def refusal(path: str, status: int, code: str, message: str) -> Response:
    if _under(path, CONSOLE):
        return console_refusal(status, message)
    if _under(path, PORTAL):
        return pages.error(status, message)
    if _under(path, GATEWAY):
        return gateway_refusal(status, _GATEWAY_REASONS.get(status, "refused"), message)
    body = json.dumps({"error": {"code": code, "message": message, "details": None}})
    return Response(body, status_code=status, media_type="application/json")


def serialized(response: Response, extra: tuple[tuple[bytes, bytes], ...] = ()) -> bytes:
    """The whole HTTP/1.1 answer, for a server that must write it before any app runs."""
    reason = {
        400: b"Bad Request",
        413: b"Content Too Large",
        431: b"Request Header Fields Too Large",
    }
    lines = [b"HTTP/1.1 %d %s" % (response.status_code, reason.get(response.status_code, b""))]
    for name, value in [*response.raw_headers, *extra]:
        lines.append(name + b": " + value)
    return b"\r\n".join(lines) + b"\r\n\r\n" + bytes(response.body)
