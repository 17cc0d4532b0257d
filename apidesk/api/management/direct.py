"""Direct dispatch: the management routes whose parameters are all plain values, called without
FastAPI's routing and dependency solving when the request is plainly valid.

Profiled in-process (docs/benchmarks.md, "The management path"), finding the route among a
hundred and solving its dependencies (the credential, `api-version`, the three path segments of
the service, the entity's id) cost FastAPI about as much CPU as the rest of a GET of one user,
database included. Most routes take nothing but text, whole numbers and flags from the path,
the query and the headers, through the request plumbing of `deps`, and at most one JSON body
of a plain model. For those this middleware does the same work in a few dictionary lookups:

- It matches the path against the routes in FastAPI's own order (the first route whose path
  and method both match wins), so it picks the route FastAPI would pick.
- It reads each parameter from where FastAPI reads it (`Request.path_params`, `query_params`,
  `headers`, with the same alias and the same `.get`) and accepts it only in its plainest
  form: text within its length bounds, a whole number written in ASCII digits within its
  bounds, `true` or `false`. A body is taken when it is sent as `application/json`, parses
  with the same `json.loads` and its model takes it.
- Anything else (a missing required value, a value written another way, a plumbing
  dependency that refuses the request, a body that does not validate, a route this table
  cannot take) goes to FastAPI untouched, a body read here given to it again: it answers as
  it always has (errors, their order and their wording are FastAPI's and `errors`'). What is
  accepted here FastAPI accepts with the same value.
- It calls the route's endpoint where FastAPI would (`routing.ManagementRoute` places reads,
  the rest go to the thread pool) and renders what it raises with the handlers of
  `errors.install`.

Only the dependencies in `deps.PLUMBING` run here: they read the request and act on nothing,
so running one before handing the request to FastAPI, which runs it again, changes nothing.
A route with any other dependency, a form, a cookie or a parameter of another type is left to
FastAPI (`eligible` says which; tests/api/test_direct_routes.py holds both paths to the same
answers, writes included).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute
from starlette.convertors import StringConvertor
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from apidesk.api.management.direct_calls import Call, Refer, call_plan
from apidesk.threads import run_in_thread


async def _read(receive: Receive) -> bytes | None:
    """The whole body, or None when it cannot be read (a disconnect, a body over the limit)."""
    chunks = []
    try:
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                return b"".join(chunks)
    except Exception:  # FastAPI meets the same when it reads: it answers
        return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """`receive` with `body`, read already, given again first."""
    given = False

    async def replayed() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


@dataclass(frozen=True)
class _Route:
    route: APIRoute
    path: str  # the full path, prefix included
    pattern: re.Pattern[str]
    plain: bool  # every path parameter is a segment of its own (no "/" in it)
    call: Call | None  # None: FastAPI answers whatever this route matches


def _entry(route: Any, prefix: str, plumbing: frozenset[Callable[..., Any]]) -> _Route:
    if not isinstance(route, APIRoute):
        raise TypeError(f"direct dispatch takes APIRoutes only, not {route!r}")
    path = prefix + route.path
    pattern, _format, convertors = compile_path(path)
    plain = all(isinstance(convertor, StringConvertor) for convertor in convertors.values())
    call = call_plan(route.dependant, plumbing, top=True) if plain else None
    return _Route(route, path, pattern, plain, call)


def eligible(
    routers: Iterable[tuple[Any, str]], plumbing: frozenset[Callable[..., Any]]
) -> list[tuple[str, str, bool]]:
    """`(method, path, direct)` for every route of `routers`, in FastAPI's order."""
    found = []
    for router, prefix in routers:
        for route in router.routes:
            entry = _entry(route, prefix, plumbing)
            for method in sorted(route.methods or ()):
                found.append((method, entry.path, entry.call is not None))
    return found


class DirectRoutes:
    """ASGI middleware of the management app (see the module). `routers` are `(router,
    prefix)` in the order the app includes them; `handlers` its exception handlers."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routers: Iterable[tuple[Any, str]],
        plumbing: frozenset[Callable[..., Any]],
        handlers: Mapping[Any, Callable[..., Any]],
    ) -> None:
        self.app = app
        self.handlers = handlers
        entries = [
            _entry(route, prefix, plumbing) for router, prefix in routers for route in router.routes
        ]
        # The routes of each method in FastAPI's order, and when every path parameter is a
        # segment of its own, per number of "/" too: a path can only match routes with as
        # many.
        self.by_slashes = all(entry.plain for entry in entries)
        self.table: dict[tuple[str, int], list[_Route]] = {}
        for entry in entries:
            slashes = entry.path.count("/") if self.by_slashes else -1
            for method in entry.route.methods or ():
                self.table.setdefault((method, slashes), []).append(entry)

    def _match(self, scope: Scope) -> tuple[_Route, Call, dict[str, str]] | None:
        """The route FastAPI would take and its path parameters, when it is one taken here."""
        # Under a root path, FastAPI matches what follows it: left to FastAPI.
        if scope["type"] != "http" or scope.get("root_path"):
            return None
        path: str = scope["path"]
        slashes = path.count("/") if self.by_slashes else -1
        for entry in self.table.get((scope["method"], slashes), ()):
            found = entry.pattern.match(path)
            if found is not None:
                return None if entry.call is None else (entry, entry.call, found.groupdict())
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        matched = self._match(scope)
        if matched is None:
            await self.app(scope, receive, send)
            return
        entry, call, path_params = matched
        body = b""
        if call.body is not None:
            read = await _read(receive)
            if read is None:
                await self.app(scope, receive, send)
                return
            body, receive = read, _replay(read, receive)
        scope["path_params"] = path_params
        request = Request(scope, receive)
        try:
            values = await call.arguments(request, {}, body)
        except Refer:
            del scope["path_params"]
            await self.app(scope, receive, send)
            return
        scope["route"] = entry.route
        scope["endpoint"] = entry.route.endpoint
        try:
            if call.coroutine:
                response = await call.function(**values)
            else:
                response = await run_in_thread(call.function, **values)
        except Exception as exc:
            response = await self._handled(request, exc)
        await response(scope, receive, send)

    async def _handled(self, request: Request, exc: Exception) -> Response:
        """The app's answer to `exc`, from its handlers as FastAPI would find one; anything
        only the catch-all handles goes up to the server-error middleware, as it would."""
        handler = None
        if isinstance(exc, HTTPException):
            handler = self.handlers.get(exc.status_code)
        for kind in type(exc).__mro__:
            if handler is not None or kind is Exception:
                break
            handler = self.handlers.get(kind)
        if handler is None:
            raise exc
        answer = handler(request, exc)
        response: Response = await answer if inspect.isawaitable(answer) else answer
        return response
