"""`/health`, `/ready` and `/metrics`: what load balancers, orchestrators and Prometheus ask.

`/health` answers 200 while the process runs. `/ready` answers 200 when the database answers
and its schema suits this release, 503 otherwise, with the reason in JSON. `/metrics` is the
Prometheus text format; with `APIDESK_METRICS_TOKEN` set it needs `Authorization: Bearer
<token>`, without it only clients on this machine (loopback) may read it.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from apidesk.domain import health
from apidesk.domain.context import Context, Runtime
from apidesk.domain.notifications import outbox
from apidesk.ops import metrics
from apidesk.storage.availability import is_unavailable
from apidesk.threads import run_in_thread


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body),
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Ops:
    """The ASGI app behind the three paths; any other path under them is a 404."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.outbox = metrics.OutboxCollector(self._outbox_state, runtime.clock.now)
        self.routes = {"/health": self.health, "/ready": self.ready, "/metrics": self.metrics}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        handler = self.routes.get(scope["path"])
        if handler is None:
            response = _json(404, {"status": 404, "message": "There is no such endpoint."})
        elif request.method not in ("GET", "HEAD"):
            response = _json(405, {"status": 405, "message": "Use GET."}, {"Allow": "GET, HEAD"})
        else:
            response = await handler(request)
        await response(scope, receive, send)

    async def health(self, _request: Request) -> Response:
        return _json(200, {"status": "ok"})

    async def ready(self, _request: Request) -> Response:
        state = await run_in_thread(health.readiness, self.runtime)
        body = {
            "status": "ready" if state.ready else "not-ready",
            "database": state.database,
            "schema": state.schema,
            "revision": state.revision,
            "release": state.release,
            "message": state.message,
        }
        if state.ready:
            return _json(200, body)
        return _json(503, body, {"Retry-After": "5"})

    async def metrics(self, request: Request) -> Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        try:
            text = await run_in_thread(metrics.exposition, self.outbox)
        except Exception as error:
            if not is_unavailable(error):
                raise
            return _json(
                503,
                {"status": 503, "message": "The database cannot be reached."},
                {"Retry-After": "5"},
            )
        return Response(
            text, media_type=metrics.CONTENT_TYPE, headers={"Cache-Control": "no-store"}
        )

    def _refusal(self, request: Request) -> Response | None:
        token = self.runtime.settings.metrics_token
        if token is None:
            if _is_loopback(request.client.host if request.client else None):
                return None
            return _json(
                403,
                {"status": 403, "message": "Set APIDESK_METRICS_TOKEN to read metrics remotely."},
            )
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        expected = token.get_secret_value().encode()
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected):
            return None
        return _json(
            401,
            {"status": 401, "message": "Metrics need Authorization: Bearer <token>."},
            {"WWW-Authenticate": 'Bearer realm="metrics"'},
        )

    def _outbox_state(self) -> outbox.OutboxState:
        with self.runtime.database.unit_of_work(write=False) as session:
            return outbox.state(Context(self.runtime, session, "metrics"))
