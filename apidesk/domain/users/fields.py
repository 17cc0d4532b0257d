"""A user's fields: their names on the wire, their limits and the checks that need no
database (the service adds the password policy and the unique e-mail address)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from apidesk.domain import validation
from apidesk.domain.passwords import PreparedPassword
from apidesk.errors import Collection

STATES = ("active", "blocked", "pending")
ALL_STATES = (*STATES, "deleted")
USER_ID_MAX = 80
NAME_MAX = 100
NOTE_MAX = 10_000
IDENTITIES_MAX = 20
WIRE = {
    "email": "email",
    "first_name": "firstName",
    "last_name": "lastName",
    "password": "password",
    "state": "state",
    "note": "note",
    "identities": "identities",
}
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


def check_fields(problems: Collection, fields: Mapping[str, Any]) -> dict[str, Any]:
    """`fields` (a password aside: its policy and hash need the runtime) checked against the
    user rules, keyed as given; what is wrong with them goes into `problems`. Needs no
    database: bulk imports check rows with it away from the unit of work."""
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        target = WIRE[name]
        if value is None and name != "note":
            problems.add(target, f"'{target}' cannot be null.")
            continue
        if name == "email":
            clean[name] = validation.email(problems, target, value)
        elif name in ("first_name", "last_name"):
            clean[name] = validation.text(problems, target, value, max_length=NAME_MAX)
        elif name == "note":
            clean[name] = (
                None
                if value is None
                else validation.text(
                    problems,
                    target,
                    value,
                    min_length=0,
                    max_length=NOTE_MAX,
                    allow_blank=True,
                    multiline=True,
                )
            )
        elif name == "state":
            if isinstance(value, str) and value.lower() == "deleted":
                problems.add(
                    target, "A user cannot be put in the 'deleted' state; delete the user instead."
                )
            else:
                clean[name] = validation.choice(problems, target, value, STATES)
        elif name == "identities":
            clean[name] = _identities(problems, value)
        elif name == "password" and not isinstance(value, str | PreparedPassword):
            problems.add(target, "'password' must be a string.")
    return clean


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


def _identities(problems: Collection, value: Any) -> list[dict[str, str]] | None:
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


def changes_for_audit(clean: Mapping[str, Any]) -> dict[str, Any]:
    return {WIRE[name]: value for name, value in clean.items()}
