"""Which fields each list operation may filter on, and how (reference §2.10)."""

from __future__ import annotations

from collections.abc import Callable

from apidesk.api.management.odata import CMP, EQ, EQ_NE, FieldSpec
from apidesk.query import FieldKind

_TEXT = FieldSpec(FieldKind.TEXT, CMP, functions=True)
_DATE = FieldSpec(FieldKind.DATETIME, CMP)


def _one_of(*values: str) -> FieldSpec:
    """An enumerated field: only `eq`, and only with one of its values."""
    known = {value.lower() for value in values}

    def check(value: str) -> str:
        if value.lower() not in known:
            raise ValueError(f"'{value}' is not one of {', '.join(values)}")
        return value

    return FieldSpec(FieldKind.ENUM, EQ, normalize=check)


USER_STATE = _one_of("active", "blocked", "pending", "deleted")
PRODUCT_STATE = _one_of("notPublished", "published")
SUBSCRIPTION_STATE = _one_of("suspended", "active", "expired", "submitted", "rejected", "cancelled")

USERS = {
    "name": _TEXT,
    "firstName": _TEXT,
    "lastName": _TEXT,
    "email": _TEXT,
    "state": USER_STATE,
    "registrationDate": _DATE,
    "note": _TEXT,
}
GROUP_USERS = {key: spec for key, spec in USERS.items() if key != "state"}
USER_GROUPS = {"name": _TEXT, "displayName": _TEXT, "description": _TEXT}
GROUPS = {**USER_GROUPS, "externalId": FieldSpec(FieldKind.TEXT, EQ)}
PRODUCTS = {
    "name": _TEXT,
    "displayName": _TEXT,
    "description": _TEXT,
    "terms": _TEXT,
    "state": PRODUCT_STATE,
}
PRODUCT_GROUPS = {
    "name": FieldSpec(FieldKind.TEXT, CMP),
    "displayName": FieldSpec(FieldKind.TEXT, EQ_NE),
    "description": FieldSpec(FieldKind.TEXT, EQ_NE),
}
TEMPLATES = {"name": _TEXT}
APIS = {
    "name": _TEXT,
    "displayName": _TEXT,
    "description": _TEXT,
    "serviceUrl": _TEXT,
    "path": _TEXT,
}


def _full_id(service_id: str, collection: str) -> Callable[[str], str]:
    """Accept `/users/x` (or `/products/x`) and full ids alike; compare as full ids."""

    def normalize(value: str) -> str:
        if value.startswith("/subscriptions/"):
            return value
        if value.startswith("/"):
            return service_id + value
        return f"{service_id}/{collection}/{value}"

    return normalize


def _bare_id(collection: str) -> Callable[[str], str]:
    """Accept `x`, `/users/x` or a full id; compare as the bare id."""
    marker = f"/{collection}/"

    def normalize(value: str) -> str:
        position = value.lower().rfind(marker)
        return value[position + len(marker) :] if position >= 0 else value

    return normalize


def _scope(service_id: str) -> Callable[[str], str]:
    def normalize(value: str) -> str:
        return value if value.startswith("/subscriptions/") else service_id + value

    return normalize


def user_subscriptions(service_id: str) -> dict[str, FieldSpec]:
    return {
        "name": _TEXT,
        "displayName": _TEXT,
        "stateComment": _TEXT,
        "ownerId": FieldSpec(FieldKind.TEXT, CMP, True, _full_id(service_id, "users")),
        "scope": FieldSpec(FieldKind.TEXT, CMP, True, _scope(service_id)),
        "userId": FieldSpec(FieldKind.TEXT, CMP, True, _bare_id("users")),
        "productId": FieldSpec(FieldKind.TEXT, CMP, True, _bare_id("products")),
    }


def subscriptions(service_id: str) -> dict[str, FieldSpec]:
    return {**user_subscriptions(service_id), "state": SUBSCRIPTION_STATE}


def group_links(service_id: str) -> dict[str, FieldSpec]:
    return {"groupId": FieldSpec(FieldKind.TEXT, CMP, True, _full_id(service_id, "groups"))}


def api_links(service_id: str) -> dict[str, FieldSpec]:
    return {"apiId": FieldSpec(FieldKind.TEXT, CMP, True, _full_id(service_id, "apis"))}
