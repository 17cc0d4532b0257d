"""A subscription's fields: their names on the wire, their checks, and how a scope or an owner
given as a path names an API, a product or a user of the service."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, TypedDict

from apidesk.domain.apis import service as apis
from apidesk.domain.context import InstanceContext
from apidesk.domain.fields import Field, Kind, Null, check, missing, prose, table
from apidesk.domain.products import repository as products
from apidesk.domain.users import repository as users
from apidesk.errors import Collection, FieldProblem, Invalid
from apidesk.storage.models import Api, Product, User

SID_MAX = 256
DISPLAY_NAME_MAX = 100
KEY_MAX = 256
STATES = ("suspended", "active", "expired", "submitted", "rejected", "cancelled")
ALL_ACCESS = "/"
SCOPE_RULE = "Subscription scope should be one of /apis, /apis/{apiId}, /products/{productId}"


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


# `owner_id` and `scope` are resolved against the service (`resolve_owner`, `resolve_scope`),
# `expiration_date` by the service; the table only passes them on.
FIELDS = table(
    Field("owner_id", "ownerId", Kind.CUSTOM, null=Null.KEPT),
    Field("scope", "scope", Kind.CUSTOM),
    Field(
        "display_name",
        "displayName",
        Kind.TEXT,
        min_length=0,
        max_length=DISPLAY_NAME_MAX,
        allow_blank=True,
    ),
    Field("primary_key", "primaryKey", Kind.TEXT, max_length=KEY_MAX),
    Field("secondary_key", "secondaryKey", Kind.TEXT, max_length=KEY_MAX),
    Field("state", "state", Kind.CHOICE, choices=STATES, case_sensitive=True),
    prose("state_comment", "stateComment", 10_000),
    Field("allow_tracing", "allowTracing", Kind.BOOLEAN, null=Null.KEPT),
    Field("expiration_date", "expirationDate", Kind.CUSTOM, null=Null.KEPT),
)
# A new subscription needs a name; an update may clear it.
ON_CREATE = {
    **FIELDS,
    "display_name": replace(FIELDS["display_name"], min_length=1, allow_blank=False),
}
REQUIRED_ON_CREATE = ("scope", "display_name")


def check_fields(fields: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    problems = Collection()
    clean = check(problems, ON_CREATE if creating else FIELDS, fields)
    if creating:
        # A field already reported (given as null) is not reported missing as well.
        reported = {problem.target for problem in problems.problems}
        problems.extend(
            problem
            for problem in missing(FIELDS, fields, REQUIRED_ON_CREATE)
            if problem.target not in reported
        )
    problems.raise_if_any()
    return clean
