"""Which fields each list operation may filter on, and how (reference §2.10)."""

from __future__ import annotations

from apidesk.api.management.odata import CMP, EQ, FieldSpec
from apidesk.query import FieldKind

_TEXT = FieldSpec(FieldKind.TEXT, CMP, functions=True)
_DATE = FieldSpec(FieldKind.DATETIME, CMP)

USERS = {
    "name": _TEXT,
    "firstName": _TEXT,
    "lastName": _TEXT,
    "email": _TEXT,
    "state": FieldSpec(FieldKind.ENUM, EQ),
    "registrationDate": _DATE,
    "note": _TEXT,
}
GROUP_USERS = {key: spec for key, spec in USERS.items() if key != "state"}
USER_GROUPS = {"name": _TEXT, "displayName": _TEXT, "description": _TEXT}
GROUPS = {**USER_GROUPS, "externalId": FieldSpec(FieldKind.TEXT, EQ)}
