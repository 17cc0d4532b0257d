"""A subscription's fields: their names on the wire, their checks, and how a scope or an owner
given as a path names an API, a product or a user of the service."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from apidesk.domain import validation
from apidesk.domain.apis import service as apis
from apidesk.domain.context import InstanceContext
from apidesk.domain.products import repository as products
from apidesk.domain.users import repository as users
from apidesk.errors import Collection, FieldProblem, Invalid
from apidesk.storage.models import Api, Product, User

SID_MAX = 256
STATES = ("suspended", "active", "expired", "submitted", "rejected", "cancelled")
ALL_ACCESS = "/"
SCOPE_RULE = "Subscription scope should be one of /apis, /apis/{apiId}, /products/{productId}"
WIRE = {
    "owner_id": "ownerId",
    "scope": "scope",
    "display_name": "displayName",
    "primary_key": "primaryKey",
    "secondary_key": "secondaryKey",
    "state": "state",
    "state_comment": "stateComment",
    "allow_tracing": "allowTracing",
    "expiration_date": "expirationDate",
}


class SubscriptionFields(TypedDict, total=False):
    owner_id: Any
    scope: Any
    display_name: Any
    primary_key: Any
    secondary_key: Any
    state: Any
    state_comment: Any
    allow_tracing: Any
    expiration_date: Any


@dataclass(frozen=True)
class Scope:
    path: str
    product: Product | None = None
    api: Api | None = None


def _local_path(value: str, service_id: str) -> str:
    """`/subscriptions/.../service/{name}/products/p` → `/products/p`; short forms pass."""
    if value.lower() == service_id.lower() or value.lower().startswith(service_id.lower() + "/"):
        rest = value[len(service_id) :]
        return rest or ALL_ACCESS
    if value.lower().startswith("/subscriptions/"):
        raise Invalid.field("scope", "The scope must name an entity of this service.")
    return value


def _scope_rule() -> Invalid:
    return Invalid(SCOPE_RULE, [FieldProblem("scope", SCOPE_RULE)])


def resolve_scope(ctx: InstanceContext, value: Any, service_id: str) -> Scope:
    if not isinstance(value, str) or not value:
        raise _scope_rule()
    path = _local_path(value, service_id).rstrip("/") or ALL_ACCESS
    parts = path.split("/")
    if path == ALL_ACCESS:
        raise _scope_rule()
    if len(parts) == 2 and parts[1].lower() == "apis":
        return Scope("/apis")
    if len(parts) == 3 and parts[1].lower() == "apis":
        api = apis.find(ctx, parts[2])
        if api is None:
            raise Invalid.field("scope", f"API '{parts[2]}' does not exist in this service.")
        return Scope(f"/apis/{api.name}", api=api)
    if len(parts) == 3 and parts[1].lower() == "products":
        product = products.find(ctx, parts[2])
        if product is None:
            raise Invalid.field("scope", f"Product '{parts[2]}' does not exist in this service.")
        return Scope(f"/products/{product.name}", product=product)
    raise _scope_rule()


def resolve_owner(ctx: InstanceContext, value: Any, service_id: str) -> User | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise Invalid.field("ownerId", "'ownerId' is a user id such as /users/{userId}.")
    path = value
    if path.lower().startswith(service_id.lower() + "/"):
        path = path[len(service_id) :]
    elif path.lower().startswith("/subscriptions/"):
        raise Invalid.field("ownerId", "The owner must be a user of this service.")
    if path.lower().startswith("/users/"):
        path = path[len("/users/") :]
    user = users.find(ctx, path)
    if user is None or "/" in path:
        raise Invalid.field("ownerId", f"User '{path}' does not exist in this service.")
    return user


def check_fields(fields: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    problems = Collection()
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        target = WIRE[name]
        if value is None:
            if name in ("owner_id", "state_comment", "expiration_date", "allow_tracing"):
                clean[name] = None
            else:
                problems.add(target, f"'{target}' cannot be null.")
            continue
        if name in ("owner_id", "scope", "expiration_date"):
            clean[name] = value
        elif name == "display_name":
            clean[name] = validation.text(
                problems,
                target,
                value,
                min_length=1 if creating else 0,
                max_length=100,
                allow_blank=not creating,
            )
        elif name in ("primary_key", "secondary_key"):
            clean[name] = validation.text(problems, target, value, max_length=256)
        elif name == "state":
            if value not in STATES:
                problems.add(target, f"'{target}' must be one of: {', '.join(STATES)}.")
            else:
                clean[name] = value
        elif name == "state_comment":
            clean[name] = validation.text(
                problems,
                target,
                value,
                min_length=0,
                max_length=10_000,
                allow_blank=True,
                multiline=True,
            )
        elif name == "allow_tracing":
            if not isinstance(value, bool):
                problems.add(target, f"'{target}' must be true or false.")
            else:
                clean[name] = value
    if creating:
        for name in ("scope", "display_name"):
            if fields.get(name) is None and name not in [p.target for p in problems.problems]:
                problems.add(WIRE[name], f"'{WIRE[name]}' is required.")
    problems.raise_if_any()
    return clean
