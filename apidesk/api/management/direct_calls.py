"""How `direct` calls a management route's endpoint: each parameter read from where FastAPI
reads it and accepted only in its plainest form, the plumbing dependencies solved, a plain
JSON body validated by its model. Anything else raises `Refer`: FastAPI answers that request
(see `apidesk.api.management.direct`)."""

from __future__ import annotations

import inspect
import json
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin

from annotated_types import Ge, Le, MaxLen, MinLen
from fastapi import params
from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from apidesk.domain.numbers import INT32_MAX, whole
from apidesk.errors import DomainError

_SOURCES = {"path": "path_params", "query": "query_params", "header": "headers"}
Body = tuple[str, type[BaseModel]]  # the name and model of a JSON body


class Refer(Exception):
    """This request is FastAPI's to answer."""


@dataclass(frozen=True)
class Param:
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
                raise Refer
            return self.default
        if self.kind is str:
            size = len(given)
            if (self.low is not None and size < self.low) or (
                self.high is not None and size > self.high
            ):
                raise Refer
            return given
        if self.kind is bool:
            if given in ("true", "false"):
                return given == "true"
            raise Refer
        # A whole number: ASCII digits only, within the bounds and an int of any database.
        low = max(self.low or 0, 0)
        number = whole(given, low, INT32_MAX if self.high is None else min(self.high, INT32_MAX))
        if number is None:
            raise Refer
        return number


@dataclass(frozen=True)
class Call:
    """A function and how to gather its arguments: parameters, the request, dependencies."""

    function: Callable[..., Any]
    coroutine: bool
    params: tuple[Param, ...]
    request_name: str | None
    dependencies: tuple[tuple[str, Call], ...]
    body: Body | None = None  # the name and model of a JSON body

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
                    raise Refer from None
            values[name] = solved[dependency.function]
        return values


def _model(request: Request, body: bytes, model: type[BaseModel]) -> BaseModel:
    """The body as FastAPI reads it (Starlette's `json.loads`, then the model in Python
    mode), when it is JSON said to be JSON and the model takes it."""
    kind = request.headers.get("content-type")
    if not body or kind is None or kind.strip().lower() != "application/json":
        raise Refer
    try:
        return model.model_validate(json.loads(body))
    except (ValueError, ValidationError):  # JSON's errors and the model's
        raise Refer from None


def _body(dependant: Any) -> tuple[bool, Body | None]:
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


def _param(field: Any, source: str) -> Param | None:
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
    return Param(
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


def call_plan(dependant: Any, plumbing: frozenset[Callable[..., Any]], *, top: bool) -> Call | None:
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
        solver = call_plan(sub, plumbing, top=False)
        if solver is None or sub.name is None:
            return None
        dependencies.append((sub.name, solver))
    return Call(
        function,
        inspect.iscoroutinefunction(function),
        tuple(params),
        dependant.request_param_name,
        tuple(dependencies),
        body,
    )
