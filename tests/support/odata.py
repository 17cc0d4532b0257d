"""What the `$filter` parser tests share: the fields they filter on (three of them normalize
ids) and a comparison on `name` (tests/api/test_odata*.py)."""

from __future__ import annotations

from apidesk.api.management.odata import CMP, EQ, EQ_NE, FieldSpec
from apidesk.query import Compare, FieldKind


def bare_id(value: str) -> str:
    if value.startswith("/") and "/" in value[1:]:
        return value.rsplit("/", 1)[-1]
    return value


def strict_id(value: str) -> str:
    if " " in value:
        raise ValueError("ids cannot contain spaces")
    return value


FIELDS = {
    "name": FieldSpec(FieldKind.TEXT, CMP, functions=True),
    "firstName": FieldSpec(FieldKind.TEXT, CMP, functions=True),
    "state": FieldSpec(FieldKind.ENUM, EQ),
    "kind": FieldSpec(FieldKind.ENUM, EQ_NE),
    "registrationDate": FieldSpec(FieldKind.DATETIME, CMP),
    "enabled": FieldSpec(FieldKind.BOOLEAN, EQ_NE),
    "groupId": FieldSpec(FieldKind.TEXT, EQ, normalize=bare_id),
    "ownerId": FieldSpec(FieldKind.TEXT, EQ, functions=True, normalize=bare_id),
    "productId": FieldSpec(FieldKind.TEXT, EQ, functions=True, normalize=strict_id),
}


def name(op: str, value: object) -> Compare:
    return Compare("name", op, value)  # type: ignore[arg-type]
