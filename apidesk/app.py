"""The ASGI application: one port, several front doors."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from apidesk.api import management
from apidesk.bootstrap import build_runtime, prepare
from apidesk.clock import Clock
from apidesk.console import app as console
from apidesk.domain.context import Runtime
from apidesk.gateway import app as gateway
from apidesk.mail.dispatcher import Dispatcher
from apidesk.mail.smtp import SmtpSender
from apidesk.ops import metrics
from apidesk.ops.app import Ops
from apidesk.portal import app as portal
from apidesk.refusals import BodyTooLarge, refusal
from apidesk.settings import Settings
from apidesk.web import assets

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
access_log = logging.getLogger("apidesk.access")
log = logging.getLogger("apidesk")

# Query parameters that can carry credentials: their values never reach a log line.
SENSITIVE_PARAMETERS = frozenset(
    {"token", "code", "key", "sig", "sn", "subscription-key", "password", "secret"}
)


def redact_query(query: str) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode(
        [(name, "***" if name.lower() in SENSITIVE_PARAMETERS else value) for name, value in pairs]
    )


# Request headers, counted as names plus values: all of them together, and any one of them.
MAX_HEADER_BYTES = 32 * 1024
MAX_HEADER_FIELD_BYTES = 16 * 1024


def oversized_headers(scope: Scope) -> str | None:
    """Why the request's headers are too large, if they are."""
    total = 0
    for name, value in scope.get("headers", []):
        size = len(name) + len(value)
        if size > MAX_HEADER_FIELD_BYTES:
            shown = name.decode("latin-1")[:100]
            return f"The header '{shown}' is larger than {MAX_HEADER_FIELD_BYTES} bytes."
        total += size
    if total > MAX_HEADER_BYTES:
        return f"The request's headers are larger than {MAX_HEADER_BYTES} bytes in all."
    return None


class RequestLimits:
    """Caps request headers and bodies, and stamps every response with a request id and an
    access line. Refusals come before any front door runs, each in its door's shape."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        started = time.perf_counter()
        status_holder: dict[str, Any] = {"status": 0, "reason": None}

        path = scope.get("path", "")
        too_many_headers = oversized_headers(scope)
        if too_many_headers is not None:
            await _refuse(
                scope, send, request_id, 431, "RequestHeaderFieldsTooLarge", too_many_headers
            )
            self._log(scope, 431, started, None)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await _refuse(
                scope, send, request_id, 413, "RequestEntityTooLarge", self._too_large_text
            )
            self._log(scope, 413, started, None)
            return
        if not path.startswith("/gateway/") and (
            "\x00" in path or b"%00" in scope.get("query_string", b"")
        ):
            # No database stores a NUL character; refuse it before anything looks it up. The
            # key check answers for itself: a gateway only understands its 2xx/401/403.
            await _refuse(
                scope, send, request_id, 400, "ValidationError", "The URL contains a NUL character."
            )
            self._log(scope, 400, started, None)
            return

        received = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # Fail the read, so the request is never carried out; the app's answer
                    # (an error about the body) is replaced by 413 below.
                    too_large = True
                    raise BodyTooLarge()
            return message

        replaced = False

        async def stamped_send(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start":
                if too_large:
                    replaced = True
                    status_holder["status"] = 413
                    await _refuse(
                        scope, send, request_id, 413, "RequestEntityTooLarge", self._too_large_text
                    )
                    return
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                status_holder["reason"] = _reason(headers)
                headers.append((b"x-ms-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            elif replaced:
                return
            await send(message)

        try:
            await self.app(scope, limited_receive, stamped_send)
        except BodyTooLarge:
            if not replaced:
                status_holder["status"] = 413
                await _refuse(
                    scope, send, request_id, 413, "RequestEntityTooLarge", self._too_large_text
                )
        finally:
            self._log(scope, status_holder["status"] or 500, started, status_holder["reason"])

    @property
    def _too_large_text(self) -> str:
        return f"The request body is larger than {self.max_body_bytes} bytes."

    @staticmethod
    def _log(scope: Scope, status: int, started: float, reason: str | None) -> None:
        elapsed = time.perf_counter() - started
        path = scope.get("path", "")
        metrics.observe(path, scope.get("method", "-"), status, elapsed, reason)
        if not access_log.isEnabledFor(logging.INFO):
            return
        # The key check may carry a caller's key under any parameter name: log no query there.
        if not path.startswith("/gateway/"):
            query = redact_query(scope.get("query_string", b"").decode("latin-1"))
            path += f"?{query}" if query else ""
        if len(path) > 1000:
            path = path[:1000] + "..."
        client = scope.get("client") or ("-", 0)
        access_log.info(
            '%s "%s %s" %d %.1fms',
            client[0],
            scope.get("method", "-"),
            path,
            status,
            elapsed * 1000,
        )


def _reason(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The key check's reason code, for the metrics of its decisions."""
    for name, value in headers:
        if name.lower() == b"x-apidesk-reason":
            return value.decode("latin-1")
    return None


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(
    scope: Scope, send: Send, request_id: str, status: int, code: str, message: str
) -> None:
    response = refusal(scope.get("path", ""), status, code, message)
    response.headers["x-ms-request-id"] = request_id
    response.headers["connection"] = "close"
    await send({"type": "http.response.start", "status": status, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


Hook = Callable[[], Awaitable[None]]


class FrontDoors:
    """Send each request to the front door that owns its path prefix. The management API
    answers everything else, because ARM paths start at the root. Start-up and shut-down are
    handled here, once for all doors."""

    def __init__(
        self,
        default: ASGIApp,
        doors: dict[str, ASGIApp],
        *,
        on_startup: list[Hook] | None = None,
        on_shutdown: list[Hook] | None = None,
    ) -> None:
        self.default = default
        self.doors = sorted(doors.items(), key=lambda item: -len(item[0]))
        self.on_startup = on_startup or []
        self.on_shutdown = on_shutdown or []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        path: str = scope["path"]
        for prefix, door in self.doors:
            if path == prefix or path.startswith(prefix + "/"):
                child = {**scope, "root_path": scope.get("root_path", "") + prefix}
                await door(child, receive, send)
                return
        await self.default(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    for hook in self.on_startup:
                        await hook()
                except Exception as exc:
                    log.exception("start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for hook in self.on_shutdown:
                    try:
                        await hook()
                    except Exception:
                        log.exception("shut-down step failed")
                await send({"type": "lifespan.shutdown.complete"})
                return


class RootToConsole:
    """`GET /` leads a person to the admin console; every other path is the management API's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/" and scope["method"] in ("GET", "HEAD"):
            headers = [(b"location", b"/console/"), (b"content-length", b"0")]
            await send({"type": "http.response.start", "status": 307, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


def _checkpoints_started(runtime: Runtime) -> Hook:
    async def start() -> None:
        runtime.database.checkpoint_in_background()

    return start


def _checkpoints_stopped(runtime: Runtime) -> Hook:
    async def stop() -> None:
        runtime.database.stop_checkpoints()

    return stop


def create_app(runtime: Runtime, *, dispatch: bool = True) -> ASGIApp:
    """The whole service. With `dispatch`, the outbox dispatcher runs beside it when SMTP is
    configured; without SMTP, e-mails wait in the outbox."""
    management_app = management.create_app(runtime)
    gateway_app, gateway_store = gateway.create_app(runtime)
    on_startup: list[Hook] = [_checkpoints_started(runtime)]
    on_shutdown: list[Hook] = [gateway_store.close, _checkpoints_stopped(runtime)]
    if dispatch and runtime.settings.smtp_host:
        dispatcher = Dispatcher(runtime, SmtpSender(runtime.settings))
        on_startup.append(dispatcher.start)
        on_shutdown.insert(0, dispatcher.stop)
    elif dispatch:
        log.warning(
            "APIDESK_SMTP_HOST is not set: e-mails wait in the outbox (apidesk outbox list)"
        )
    runtime.passwords.observer = metrics.observe_hashing  # what /metrics shows of hashing
    ops = Ops(runtime)
    doors = FrontDoors(
        RootToConsole(management_app),
        {
            "/gateway": gateway_app,
            "/portal": portal.create_app(runtime),
            "/health": ops,
            "/ready": ops,
            "/metrics": ops,
            "/console": console.create_app(runtime),
            "/static": assets.create_app(),
        },
        on_startup=on_startup,
        on_shutdown=on_shutdown,
    )
    return RequestLimits(doors, max_body_bytes=runtime.settings.max_body_bytes)


def create_app_from_settings(settings: Settings | None = None, clock: Clock | None = None) -> Any:
    """The app built from the environment: what each worker of `serve --workers N` runs."""
    logging.basicConfig(level=(settings or Settings()).log_level.upper(), format=LOG_FORMAT)
    runtime = build_runtime(settings or Settings(), clock)
    prepare(runtime, bootstrap=False)
    return create_app(runtime)
