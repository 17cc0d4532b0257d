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
import json
import re
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin

from annotated_types import Ge, Le, MaxLen, MinLen
from fastapi import params
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.convertors import StringConvertor
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from apidesk.domain.validation import digits
from apidesk.errors import DomainError
from apidesk.threads import run_in_thread

_SOURCES = {"path": "path_params", "query": "query_params", "header": "headers"}


class _Refer(Exception):
    """This request is FastAPI's to answer."""


@dataclass(frozen=True)
class _Param:
    name: str
    alias: str
    source: str  # an attribute of Request: path_params, query_params or headers
    kind: type  # str, int or bool
    required: bool
    default: Any
    low: int | None
    high: int | None

    def value(self, request: Request) -> Any:
        given = getattr(request, self.source).get(self.alias)
        if given is None:
            if self.required:
                raise _Refer
            return self.default
        if self.kind is str:
            size = len(given)
            if (self.low is not None and size < self.low) or (
                self.high is not None and size > self.high
            ):
                raise _Refer
            return given
        if self.kind is bool:
            if given in ("true", "false"):
                return given == "true"
            raise _Refer
        # A whole number: ASCII digits only, short enough to be an int of any database.
        if not (digits(given) and len(given) <= 10):
            raise _Refer
        number = int(given)
        if (self.low is not None and number < self.low) or (
            self.high is not None and number > self.high
        ):
            raise _Refer
        return number


@dataclass(frozen=True)
class _Call:
    """A function and how to gather its arguments: parameters, the request, dependencies."""

    function: Callable[..., Any]
    coroutine: bool
    params: tuple[_Param, ...]
    request_name: str | None
    dependencies: tuple[tuple[str, _Call], ...]
    body: _Body | None = None  # the name and model of a JSON body

    async def arguments(
        self, request: Request, solved: dict[Any, Any], body: bytes = b""
    ) -> dict[str, Any]:
        values = {param.name: param.value(request) for param in self.params}
        if self.body is not None:
            name, model = self.body
            values[name] = _model(request, body, model)
        if self.request_name is not None:
            values[self.request_name] = request
        for name, dependency in self.dependencies:
            if dependency.function not in solved:
                given = await dependency.arguments(request, solved)
                try:
                    solved[dependency.function] = await dependency.function(**given)
                except DomainError:
                    raise _Refer from None
            values[name] = solved[dependency.function]
        return values


def _model(request: Request, body: bytes, model: type[BaseModel]) -> BaseModel:
    """The body as FastAPI reads it (Starlette's `json.loads`, then the model in Python
    mode), when it is JSON said to be JSON and the model takes it."""
    kind = request.headers.get("content-type")
    if not body or kind is None or kind.strip().lower() != "application/json":
        raise _Refer
    try:
        return model.model_validate(json.loads(body))
    except (ValueError, ValidationError):  # JSON's errors and the model's
        raise _Refer from None


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


_Body = tuple[str, type[BaseModel]]


def _body(dependant: Any) -> tuple[bool, _Body | None]:
    """Whether a route's body can be read here, and if it has one, its name and model: a
    plain, required JSON model; a form, an embedded or constrained field are FastAPI's."""
    if not dependant.body_params:
        return True, None
    field = dependant.body_params[0]
    info = field.field_info
    model = info.annotation
    takeable = (
        len(dependant.body_params) == 1
        and type(info) is params.Body
        and not getattr(info, "embed", False)
        and not info.metadata
        and info.is_required()
        and isinstance(model, type)
        and issubclass(model, BaseModel)
    )
    return takeable, (field.name, model) if takeable else None


def _plain(annotation: Any) -> tuple[type, bool] | None:
    """`(type, optional)` for str, int, bool and their `| None`; None for anything else."""
    if annotation in (str, int, bool):
        return annotation, False
    if get_origin(annotation) in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(args) == 1 and len(get_args(annotation)) == 2 and args[0] in (str, int, bool):
            return args[0], True
    return None


def _param(field: Any, source: str) -> _Param | None:
    info = field.field_info
    plain = _plain(info.annotation)
    if plain is None or info.validation_alias not in (None, field.alias):
        return None
    kind = plain[0]
    low = high = None
    for bound in info.metadata:
        if kind is str and isinstance(bound, MinLen):
            low = bound.min_length
        elif kind is str and isinstance(bound, MaxLen):
            high = bound.max_length
        elif kind is int and isinstance(bound, Ge) and isinstance(bound.ge, int):
            low = bound.ge
        elif kind is int and isinstance(bound, Le) and isinstance(bound.le, int):
            high = bound.le
        else:
            return None
    required = info.is_required()
    return _Param(
        field.name,
        field.alias,
        _SOURCES[source],
        kind,
        required,
        None if required else info.get_default(call_default_factory=True),
        low,
        high,
    )


_UNTAKEN = (
    "cookie_params",
    "websocket_param_name",
    "http_connection_param_name",
    "response_param_name",
    "background_tasks_param_name",
    "security_scopes_param_name",
)


def _call(dependant: Any, plumbing: frozenset[Callable[..., Any]], *, top: bool) -> _Call | None:
    """How to call `dependant` here, or None when FastAPI must."""
    function = dependant.call
    if any(getattr(dependant, name, None) for name in _UNTAKEN) or function is None:
        return None
    takeable, body = _body(dependant)
    if not takeable or (body is not None and not top):
        return None
    if not top and (function not in plumbing or not inspect.iscoroutinefunction(function)):
        return None
    params = []
    for source in ("path", "query", "header"):
        for field in getattr(dependant, f"{source}_params"):
            param = _param(field, source)
            if param is None:
                return None
            params.append(param)
    dependencies = []
    for sub in dependant.dependencies:
        solver = _call(sub, plumbing, top=False)
        if solver is None or sub.name is None:
            return None
        dependencies.append((sub.name, solver))
    return _Call(
        function,
        inspect.iscoroutinefunction(function),
        tuple(params),
        dependant.request_param_name,
        tuple(dependencies),
        body,
    )


@dataclass(frozen=True)
class _Route:
    route: APIRoute
    path: str  # the full path, prefix included
    pattern: re.Pattern[str]
    plain: bool  # every path parameter is a segment of its own (no "/" in it)
    call: _Call | None  # None: FastAPI answers whatever this route matches


def _entry(route: Any, prefix: str, plumbing: frozenset[Callable[..., Any]]) -> _Route:
    if not isinstance(route, APIRoute):
        raise TypeError(f"direct dispatch takes APIRoutes only, not {route!r}")
    path = prefix + route.path
    pattern, _format, convertors = compile_path(path)
    plain = all(isinstance(convertor, StringConvertor) for convertor in convertors.values())
    call = _call(route.dependant, plumbing, top=True) if plain else None
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

    def _match(self, scope: Scope) -> tuple[_Route, _Call, dict[str, str]] | None:
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
        except _Refer:
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
