"""A user's fields: their names on the wire, their limits and the checks that need no
database (the service adds the password policy and the unique e-mail address)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from apidesk.domain import validation
from apidesk.domain.fields import Field, Kind, changes, check, prose, table
from apidesk.domain.passwords import PreparedPassword
from apidesk.errors import Collection

STATES = ("active", "blocked", "pending")
ALL_STATES = (*STATES, "deleted")
USER_ID_MAX = 80
NAME_MAX = 100
IDENTITIES_MAX = 20
REQUIRED_ON_CREATE = ("email", "first_name", "last_name")


class UserFields(TypedDict, total=False):
    email: Any
    first_name: Any
    last_name: Any
    password: Any
    state: Any
    note: Any
    identities: Any


def check_user_id(user_id: str) -> str:
    return validation.entity_id(user_id, target="userId", max_length=USER_ID_MAX)


def _password(problems: Collection, field: Field, value: Any) -> Any:
    # Only its type: the policy and the hash need the runtime (see the service).
    if isinstance(value, str | PreparedPassword):
        return value
    problems.add(field.target, f"'{field.target}' must be a string.")
    return None


def _state(problems: Collection, field: Field, value: Any) -> str | None:
    if isinstance(value, str) and value.lower() == "deleted":
        problems.add(
            field.target, "A user cannot be put in the 'deleted' state; delete the user instead."
        )
        return None
    return validation.choice(problems, field.target, value, field.choices)


def _identities(problems: Collection, field: Field, value: Any) -> list[dict[str, str]] | None:
    if not isinstance(value, list):
        problems.add("identities", "'identities' must be a list of {provider, id} objects.")
        return None
    if len(value) > IDENTITIES_MAX:
        problems.add("identities", f"A user has at most {IDENTITIES_MAX} identities.")
        return None
    result: list[dict[str, str]] = []
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            problems.add(f"identities[{index}]", "Each identity is an object with provider and id.")
            continue
        provider = validation.text(
            problems, f"identities[{index}].provider", item.get("provider"), max_length=50
        )
        ident = validation.text(problems, f"identities[{index}].id", item.get("id"), max_length=256)
        if provider is not None and ident is not None:
            result.append({"provider": provider, "id": ident})
    return result


FIELDS = table(
    Field("email", "email", Kind.EMAIL, max_length=validation.EMAIL_MAX),
    Field("first_name", "firstName", Kind.TEXT, max_length=NAME_MAX),
    Field("last_name", "lastName", Kind.TEXT, max_length=NAME_MAX),
    Field("password", "password", Kind.CUSTOM, check=_password),
    Field("state", "state", Kind.CUSTOM, choices=STATES, check=_state),
    prose("note", "note", 10_000),
    Field("identities", "identities", Kind.CUSTOM, check=_identities),
)


def check_fields(problems: Collection, fields: Mapping[str, Any]) -> dict[str, Any]:
    """`fields` checked against the user rules, keyed as given (a password only for its
    type: its policy and hash need the runtime); what is wrong with them goes into
    `problems`. Needs no database: bulk imports check rows with it away from the unit of
    work."""
    return check(problems, FIELDS, fields)


def identities_after_email_change(
    identities: list[dict[str, Any]], old: str, new: str
) -> list[dict[str, Any]]:
    """The Basic identity is the sign-in name: it follows the address."""
    return [
        {"provider": i["provider"], "id": new}
        if i.get("provider") == "Basic" and str(i.get("id", "")).lower() == old.lower()
        else i
        for i in identities
    ]


def changes_for_audit(clean: Mapping[str, Any]) -> dict[str, Any]:
    return changes(FIELDS, clean)
