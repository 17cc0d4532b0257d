"""APIs, as far as the key check needs them: a path prefix, whether a key is required, and
where the key travels (a header and a query parameter)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypedDict

from sqlalchemy import select

from apidesk.domain import audit, naming, validation
from apidesk.domain.context import InstanceContext
from apidesk.errors import Collection, Conflict, NotFound, PreconditionFailed
from apidesk.query import FieldKind, ListQuery, Page
from apidesk.storage.filtering import Column
from apidesk.storage.models import Api
from apidesk.storage.paging import fetch_page

API_ID_MAX = 256
PATH_MAX = 400
PROTOCOLS = ("http", "https", "ws", "wss")
DEFAULT_HEADER = "Ocp-Apim-Subscription-Key"
DEFAULT_QUERY = "subscription-key"
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")
_QUERY_NAME = re.compile(r"^[A-Za-z0-9._~-]{1,100}$")
_PATH_SEGMENT = re.compile(r"^[^\s?#/\\]+$")
WIRE = {
    "display_name": "displayName",
    "description": "description",
    "path": "path",
    "service_url": "serviceUrl",
    "protocols": "protocols",
    "subscription_required": "subscriptionRequired",
    "header_name": "subscriptionKeyParameterNames.header",
    "query_name": "subscriptionKeyParameterNames.query",
}
COLUMNS = {
    "name": Column(Api.name, FieldKind.TEXT),
    "displayName": Column(Api.display_name, FieldKind.TEXT),
    "description": Column(Api.description, FieldKind.TEXT),
    "serviceUrl": Column(Api.service_url, FieldKind.TEXT),
    "path": Column(Api.path, FieldKind.TEXT),
}


class ApiFields(TypedDict, total=False):
    display_name: Any
    description: Any
    path: Any
    service_url: Any
    protocols: Any
    subscription_required: Any
    header_name: Any
    query_name: Any


def normalize_path(path: str) -> str:
    return path.strip("/")


def find(ctx: InstanceContext, api_id: str, *, lock: bool = False) -> Api | None:
    """The API; with `lock`, its row stays locked to the end of the unit."""
    query = select(Api).where(Api.instance_id == ctx.instance.id, Api.name_key == api_id.lower())
    return ctx.session.scalars(query.with_for_update() if lock else query).first()


def get_or_raise(ctx: InstanceContext, api_id: str) -> Api:
    api = find(ctx, api_id)
    if api is None:
        raise NotFound(f"API '{api_id}' was not found.")
    return api


def list_apis(ctx: InstanceContext, query: ListQuery) -> Page[Api]:
    statement = select(Api).where(Api.instance_id == ctx.instance.id)
    return fetch_page(ctx.session, statement, query, COLUMNS, order_by=Api.id)


def _validate(fields: Mapping[str, Any]) -> dict[str, Any]:
    problems = Collection()
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        target = WIRE[name]
        if value is None:
            if name in ("description", "service_url"):
                clean[name] = None
            elif name not in ("header_name", "query_name", "protocols"):
                problems.add(target, f"'{target}' cannot be null.")
            continue
        if name == "display_name":
            clean[name] = validation.text(problems, target, value, max_length=300)
        elif name == "description":
            clean[name] = validation.text(
                problems,
                target,
                value,
                min_length=0,
                max_length=10_000,
                allow_blank=True,
                multiline=True,
            )
        elif name == "path":
            clean[name] = _path(problems, value)
        elif name == "service_url":
            url = validation.text(problems, target, value, max_length=2000)
            if url is not None and not re.match(r"^(https?|wss?)://[^\s/]+", url):
                problems.add(target, f"'{target}' must be an absolute http(s) or ws(s) URL.")
            clean[name] = url
        elif name == "protocols":
            if not isinstance(value, list) or not value or any(p not in PROTOCOLS for p in value):
                problems.add(
                    target, f"'{target}' must be a list drawn from {', '.join(PROTOCOLS)}."
                )
            else:
                clean[name] = list(dict.fromkeys(value))
        elif name == "subscription_required":
            if not isinstance(value, bool):
                problems.add(target, f"'{target}' must be true or false.")
            else:
                clean[name] = value
        elif name == "header_name":
            if not isinstance(value, str) or not _HEADER_NAME.match(value):
                problems.add(target, f"'{target}' must be a valid HTTP header name.")
            else:
                clean[name] = value
        elif name == "query_name":
            if not isinstance(value, str) or not _QUERY_NAME.match(value):
                problems.add(target, f"'{target}' must be letters, digits, '.', '_', '~' or '-'.")
            else:
                clean[name] = value
    problems.raise_if_any()
    return clean


def _path(problems: Collection, value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > PATH_MAX:
        problems.add("path", f"'path' must be a string of at most {PATH_MAX} characters.")
        return None
    path = normalize_path(value)
    if len(path.lower()) > PATH_MAX:
        problems.add("path", f"'path' must be at most {PATH_MAX} characters long.")
        return None
    if path and not all(_PATH_SEGMENT.match(segment) for segment in path.split("/")):
        problems.add(
            "path", "'path' is a relative URL such as 'echo' or 'v1/echo', without '?' or '#'."
        )
        return None
    return path


def _ensure_path_free(ctx: InstanceContext, path: str, *, except_id: int | None) -> None:
    statement = select(Api.name).where(
        Api.instance_id == ctx.instance.id, Api.path_key == path.lower()
    )
    if except_id is not None:
        statement = statement.where(Api.id != except_id)
    taken = ctx.session.scalar(statement)
    if taken is not None:
        raise Conflict(f"The path '{path}' is already used by API '{taken}'.", target="path")


def _changes(clean: Mapping[str, Any]) -> dict[str, Any]:
    return {WIRE[name]: value for name, value in clean.items()}


def create_or_update(
    ctx: InstanceContext, api_id: str, fields: ApiFields, *, expected_etag: str | None = None
) -> tuple[Api, bool]:
    validation.entity_id(api_id, target="apiId", max_length=API_ID_MAX)
    clean = _validate(fields)
    existing = find(ctx, api_id, lock=True)
    if existing is not None:
        if expected_etag not in (None, "*") and expected_etag != existing.etag:
            raise PreconditionFailed()
        _apply(ctx, existing, clean)
        ctx.session.flush()
        return existing, False
    if expected_etag is not None:
        raise PreconditionFailed("The API does not exist, so it cannot match 'If-Match'.")
    problems = Collection()
    for name in ("display_name", "path"):
        if clean.get(name) is None:
            problems.add(WIRE[name], f"'{WIRE[name]}' is required.")
    problems.raise_if_any()
    _ensure_path_free(ctx, clean["path"], except_id=None)
    api = Api(
        instance_id=ctx.instance.id,
        name=api_id,
        name_key=api_id.lower(),
        display_name=clean["display_name"],
        description=clean.get("description"),
        path=clean["path"],
        path_key=clean["path"].lower(),
        service_url=clean.get("service_url"),
        protocols=clean.get("protocols") or ["https"],
        subscription_required=clean.get("subscription_required", True),
        header_name=clean.get("header_name") or DEFAULT_HEADER,
        query_name=clean.get("query_name") or DEFAULT_QUERY,
    )
    ctx.session.add(api)
    audit.record(ctx, "api.create", f"apis/{api_id}", _changes(clean))
    ctx.session.flush()
    return api, True


def create(ctx: InstanceContext, fields: ApiFields) -> Api:
    """A new API with an id made from its display name (the console's + Add API)."""
    name = fields.get("display_name")
    api_id = naming.free_id(
        name if isinstance(name, str) else "",
        lambda candidate: find(ctx, candidate) is not None,
        fallback="api",
    )
    return create_or_update(ctx, api_id, fields)[0]


def _apply(ctx: InstanceContext, api: Api, clean: Mapping[str, Any]) -> None:
    if "path" in clean and clean["path"].lower() != api.path_key:
        _ensure_path_free(ctx, clean["path"], except_id=api.id)
        api.path_key = clean["path"].lower()
    for name, value in clean.items():
        setattr(api, name, value)
    audit.record(ctx, "api.update", f"apis/{api.name}", _changes(clean))


def update(
    ctx: InstanceContext, api_id: str, fields: ApiFields, *, expected_etag: str = "*"
) -> Api:
    clean = _validate(fields)
    api = find(ctx, api_id, lock=True)
    if api is None:
        raise NotFound(f"API '{api_id}' was not found.")
    if expected_etag != "*" and expected_etag != api.etag:
        raise PreconditionFailed()
    _apply(ctx, api, clean)
    ctx.session.flush()
    return api


def delete(ctx: InstanceContext, api_id: str, *, expected_etag: str = "*") -> bool:
    """Delete the API; its product links and the subscriptions scoped to it go with it."""
    api = find(ctx, api_id, lock=True)
    if api is None:
        if expected_etag == "*":
            return False
        raise NotFound(f"API '{api_id}' was not found.")
    if expected_etag != "*" and expected_etag != api.etag:
        raise PreconditionFailed()
    audit.record(ctx, "api.delete", f"apis/{api.name}")
    ctx.session.delete(api)
    ctx.session.flush()
    return True
