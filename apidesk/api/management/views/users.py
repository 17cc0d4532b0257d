from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from operator import attrgetter
from typing import Any, cast

from sqlalchemy import Row

from apidesk.api.management.envelope import (
    PROVIDER,
    child_id,
    resource,
    timestamp,
    timestamps,
)
from apidesk.storage.models import Group, Instance, UserSummary

USERS_TYPE = f"{PROVIDER}/service/users"
GROUP_USERS_TYPE = f"{PROVIDER}/service/groups/users"


def group_properties(group: Group) -> dict[str, Any]:
    return {
        "displayName": group.display_name,
        "description": group.description,
        "builtIn": group.built_in,
        "type": group.type,
        "externalId": group.external_id,
    }


# A user's fields in the order of `SUMMARY_COLUMNS`, which the lists read.
_FIELDS = (
    "id",
    "name",
    "email",
    "first_name",
    "last_name",
    "state",
    "note",
    "identities",
    "registration_date",
)
_read_fields = attrgetter(*_FIELDS)
_REGISTERED = _FIELDS.index("registration_date")


def _properties(
    first_name: str,
    last_name: str,
    email: str,
    state: str,
    note: str | None,
    identities: list[Any],
    registered: str | None,
    groups: list[Group] | None,
) -> dict[str, Any]:
    # Written out rather than filtered: a list renders this a hundred times per page.
    properties: dict[str, Any] = {
        "firstName": first_name,
        "lastName": last_name,
        "email": email,
        "state": state,
    }
    if note is not None:
        properties["note"] = note
    properties["registrationDate"] = registered
    properties["identities"] = [
        {"provider": identity.get("provider"), "id": identity.get("id")} for identity in identities
    ]
    if groups is not None:
        properties["groups"] = [group_properties(group) for group in groups]
    return properties


def user_properties(user: UserSummary, groups: list[Group] | None = None) -> dict[str, Any]:
    _, _, email, first_name, last_name, state, note, identities, registered = _read_fields(user)
    return _properties(
        first_name, last_name, email, state, note, identities, timestamp(registered), groups
    )


def _field_rows(entities: Iterable[UserSummary]) -> Sequence[Sequence[Any]]:
    """Each user's `_FIELDS` in order. The rows a list reads (of `SUMMARY_COLUMNS`) are that
    already, and are taken as they are: reading a row's fields by name took as long as
    rendering them. Anything else (an entity) is read by name."""
    listed = entities if isinstance(entities, Sequence) else list(entities)
    if listed and isinstance(listed[0], Row) and listed[0]._fields == _FIELDS:
        return cast(Sequence[Row[Any]], listed)
    return [_read_fields(entity) for entity in listed]


def users(
    instance: Instance,
    entities: Iterable[UserSummary],
    *,
    memberships: Mapping[int, list[Group]] | None = None,
    type_: str = USERS_TYPE,
) -> list[dict[str, Any]]:
    """A page of users: the service's id is spelled once, not once per user."""
    prefix = child_id(instance, "users") + "/"
    rows = _field_rows(entities)
    stamps = timestamps([row[_REGISTERED] for row in rows])
    rendered = []
    for (user_id, name, email, first, last, state, note, identities, _), registered in zip(
        rows, stamps, strict=True
    ):
        groups = memberships.get(user_id, []) if memberships is not None else None
        properties = _properties(first, last, email, state, note, identities, registered, groups)
        rendered.append(
            {"id": prefix + name, "type": type_, "name": name, "properties": properties}
        )
    return rendered


def user(
    instance: Instance,
    entity: UserSummary,
    *,
    groups: list[Group] | None = None,
    type_: str = USERS_TYPE,
) -> dict[str, Any]:
    return resource(
        child_id(instance, "users", entity.name),
        entity.name,
        type_,
        user_properties(entity, groups),
    )
