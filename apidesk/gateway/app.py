"""`/gateway/{service}/check`: a plain Starlette app, kept free of what the hot path does not use.

Proxies describe the original request in headers: nginx `auth_request` sends
`X-Original-URI` (set in its configuration), Traefik and Caddy forward-auth send
`X-Forwarded-Uri`; Envoy's `ext_authz` appends the original path to the check path
(`/gateway/{service}/check/<original path>`). The answer is 200 with identity headers, or 401/403
with a reason code in `X-Apidesk-Reason` and the message in `X-Apidesk-Message` and the body.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from apidesk.domain.context import Runtime
from apidesk.gateway.check import Call, Decision, check
from apidesk.gateway.store import GatewayStore, open_store, standby_is_current
from apidesk.storage.availability import is_unavailable

log = logging.getLogger("apidesk.gateway")
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class _Malformed(Exception):
    pass


def _appended_path(request: Request) -> str | None:
    """The original path Envoy appended to the check path, exactly as it was sent.

    The routed value is already percent-decoded, so `%2F` would have become a separator
    and `%252F` a `%2F` that the check decodes again; the check must see the undecoded
    path, so it is cut from the raw request path instead."""
    rest = request.path_params.get("rest")
    if rest is None:
        return None
    path: str = request.scope["path"]
    raw = request.scope.get("raw_path")
    if not raw:
        raise _Malformed  # every ASGI server of ours passes it; refuse rather than guess
    # The check path before the appended part, as routed: `/gateway/{service}/check/`.
    prefix = path[: len(path) - len(rest)]
    pieces = raw.decode("latin-1").split("/", prefix.count("/"))
    if len(pieces) <= prefix.count("/") or unquote("/".join(pieces[:-1]) + "/") != prefix:
        raise _Malformed  # the check path itself was spelled with encoded separators
    return "/" + pieces[-1]


def _original_uris(request: Request) -> set[str]:
    """Every description of the original request the call carries. A proxy sends one; two
    that disagree mean a caller slipped in a header of its own, which the proxy passed on."""
    found = {
        value
        for name in ("x-original-uri", "x-forwarded-uri")
        if (value := request.headers.get(name))
    }
    appended = _appended_path(request)
    if appended is not None:
        query = request.url.query
        found.add(appended + (f"?{query}" if query else ""))
    return found


def _answer(decision: Decision) -> Response:
    headers = {
        **decision.headers,
        "X-Apidesk-Reason": decision.reason,
        "X-Apidesk-Message": decision.message,
        "Cache-Control": "no-store",
    }
    if decision.allowed:
        return Response(status_code=200, headers=headers)
    body = {"statusCode": decision.status, "message": decision.message, "reason": decision.reason}
    return Response(
        json.dumps(body),
        status_code=decision.status,
        headers=headers,
        media_type="application/json",
    )


def refusal(status: int, reason: str, message: str) -> Response:
    """The gateway's own answer to a request it cannot judge."""
    return _answer(Decision(status, reason, message))


def failure(error: Exception) -> Response:
    if is_unavailable(error):
        log.warning("database unavailable: %s: %s", type(error).__name__, error)
        response = refusal(503, "unavailable", "The key check cannot reach its data; retry.")
        response.headers["Retry-After"] = "1"
        return response
    log.error("the key check failed", exc_info=error)
    return refusal(500, "error", "The key check hit an unexpected error; it has been logged.")


async def _http_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 405:
        response = refusal(405, "method-not-allowed", "The method is not allowed here.")
        response.headers.update(error.headers or {})
        return response
    if error.status_code == 404:
        return refusal(404, "not-found", "There is no such gateway endpoint.")
    return refusal(error.status_code, "refused", str(error.detail))


def _store(runtime: Runtime) -> GatewayStore:
    """Checks read from the first standby only when a block committed on the primary is
    visible there before its answer returns; otherwise from the primary."""
    settings = runtime.settings
    standby = settings.read_urls[0] if settings.read_urls else None
    if standby is not None and not standby_is_current(settings.database_url):
        log.warning(
            "key checks read from the primary: the standbys are not synchronous with "
            "remote_apply, so a block might not be visible there yet (docs/deploy.md)"
        )
        standby = None
    elif standby is not None:
        log.info("key checks read from the standby (synchronous_commit = remote_apply)")
    return open_store(settings.database_url, standby)


def create_app(runtime: Runtime) -> tuple[Starlette, GatewayStore]:
    """The gateway app, and its store (which the caller closes at shutdown)."""
    store = _store(runtime)
    secrets = runtime.secrets

    async def key_check(request: Request) -> Response:
        try:
            uris = _original_uris(request)
        except _Malformed:
            return _answer(
                Decision(
                    403,
                    "ambiguous-path",
                    "Access denied: the request path is ambiguous or malformed.",
                )
            )
        if not uris:
            return _answer(
                Decision(
                    400,
                    "no-original-uri",
                    "The proxy must send the original request URI in X-Original-URI.",
                )
            )
        if len(uris) > 1:
            return _answer(
                Decision(403, "conflicting-uri", "Access denied: the request is described twice.")
            )
        call = Call(uri=uris.pop(), headers={k.lower(): v for k, v in request.headers.items()})
        try:
            service = request.path_params["service"]
            decision = await store.run(lambda reads: check(reads, secrets, service, call))
        except Exception as error:
            # No decision is a refusal: the proxy fails the call closed.
            return failure(error)
        return _answer(decision)

    async def health(_request: Request) -> Response:
        return Response("ok", media_type="text/plain")

    app = Starlette(
        exception_handlers={HTTPException: _http_error},
        routes=[
            Route("/{service}/check", key_check, methods=METHODS),
            Route("/{service}/check/{rest:path}", key_check, methods=METHODS),
            Route("/health", health, methods=["GET", "HEAD"]),
        ],
    )
    return app, store
