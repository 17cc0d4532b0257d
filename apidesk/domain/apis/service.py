"""APIs, as far as the key check needs them: a path prefix, whether a key is required, and
where the key travels (a header and a query parameter)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypedDict

from sqlalchemy import select

from apidesk.domain import audit, naming, validation
from apidesk.domain.context import InstanceContext
from apidesk.domain.fields import Field, Kind, Null, changes, check, missing, prose, table
from apidesk.errors import Collection, Collided, Conflict, Invalid, NotFound, PreconditionFailed
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
_URL = re.compile(r"^(https?|wss?)://[^\s/]+")
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


def _path(problems: Collection, field: Field, value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > PATH_MAX:
        problems.add("path", f"'path' must be a string of at most {PATH_MAX} characters.")
        return None
    path = normalize_path(value)
    if len(path.lower()) > PATH_MAX:
        problems.add("path", f"'path' must be at most {PATH_MAX} characters long.")
        return None
    if path and not all(_PATH_SEGMENT.fullmatch(segment) for segment in path.split("/")):
        problems.add(
            "path", "'path' is a relative URL such as 'echo' or 'v1/echo', without '?' or '#'."
        )
        return None
    return path


def _service_url(problems: Collection, field: Field, url: str) -> str | None:
    if _URL.match(url):
        return url
    problems.add(field.target, f"'{field.target}' must be an absolute http(s) or ws(s) URL.")
    return None


def _protocols(problems: Collection, field: Field, value: Any) -> list[str] | None:
    if isinstance(value, list) and value and all(p in field.choices for p in value):
        return list(dict.fromkeys(value))
    problems.add(
        field.target, f"'{field.target}' must be a list drawn from {', '.join(field.choices)}."
    )
    return None


def _header_name(problems: Collection, field: Field, value: Any) -> str | None:
    if isinstance(value, str) and _HEADER_NAME.fullmatch(value):
        return value
    problems.add(field.target, f"'{field.target}' must be a valid HTTP header name.")
    return None


def _query_name(problems: Collection, field: Field, value: Any) -> str | None:
    if isinstance(value, str) and _QUERY_NAME.fullmatch(value):
        return value
    problems.add(field.target, f"'{field.target}' must be letters, digits, '.', '_', '~' or '-'.")
    return None


# Left null, the protocols and key names keep their defaults (or current values).
FIELDS = table(
    Field("display_name", "displayName", Kind.TEXT, max_length=300),
    prose("description", "description", 10_000),
    Field("path", "path", Kind.CUSTOM, min_length=0, max_length=PATH_MAX, check=_path),
    Field(
        "service_url",
        "serviceUrl",
        Kind.TEXT,
        max_length=2000,
        null=Null.KEPT,
        check=_service_url,
    ),
    Field(
        "protocols",
        "protocols",
        Kind.CUSTOM,
        choices=PROTOCOLS,
        null=Null.IGNORED,
        check=_protocols,
    ),
    Field("subscription_required", "subscriptionRequired", Kind.BOOLEAN),
    Field(
        "header_name",
        "subscriptionKeyParameterNames.header",
        Kind.CUSTOM,
        null=Null.IGNORED,
        check=_header_name,
    ),
    Field(
        "query_name",
        "subscriptionKeyParameterNames.query",
        Kind.CUSTOM,
        null=Null.IGNORED,
        check=_query_name,
    ),
)


def _validate(fields: Mapping[str, Any]) -> dict[str, Any]:
    problems = Collection()
    clean = check(problems, FIELDS, fields)
    problems.raise_if_any()
    return clean


def _ensure_path_free(ctx: InstanceContext, path: str, *, except_id: int | None) -> None:
    statement = select(Api.name).where(
        Api.instance_id == ctx.instance.id, Api.path_key == path.lower()
    )
    if except_id is not None:
        statement = statement.where(Api.id != except_id)
    taken = ctx.session.scalar(statement)
    if taken is not None:
        raise Conflict(f"The path '{path}' is already used by API '{taken}'.", target="path")


def create_or_update(
    ctx: InstanceContext,
    api_id: str,
    fields: ApiFields,
    *,
    expected_etag: str | None = None,
    only_new: bool = False,
) -> tuple[Api, bool]:
    validation.entity_id(api_id, target="apiId", max_length=API_ID_MAX)
    clean = _validate(fields)
    existing = find(ctx, api_id, lock=True)
    if existing is not None:
        if only_new:
            raise Collided(
                f"Another API with the id '{api_id}' was added at the same time; nothing "
                "was changed. Look again and add it if it is still missing."
            )
        if expected_etag not in (None, "*") and expected_etag != existing.etag:
            raise PreconditionFailed()
        _apply(ctx, existing, clean)
        ctx.session.flush()
        return existing, False
    if expected_etag is not None:
        raise PreconditionFailed("The API does not exist, so it cannot match 'If-Match'.")
    if absent := missing(FIELDS, clean, ("display_name", "path")):
        raise Invalid(problems=absent)
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
    audit.record(ctx, "api.create", f"apis/{api_id}", changes(FIELDS, clean))
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
    # Only ever adds: an id taken since the check above is refused, never overwritten.
    return create_or_update(ctx, api_id, fields, only_new=True)[0]


def _apply(ctx: InstanceContext, api: Api, clean: Mapping[str, Any]) -> None:
    if "path" in clean and clean["path"].lower() != api.path_key:
        _ensure_path_free(ctx, clean["path"], except_id=api.id)
        api.path_key = clean["path"].lower()
    for name, value in clean.items():
        setattr(api, name, value)
    audit.record(ctx, "api.update", f"apis/{api.name}", changes(FIELDS, clean))


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
