"""Field tables: an entity's writable fields declared once, with their wire names and limits,
and one function that checks given values against a table.

The management API (its wire models and the names it reads a request by) and the portal's
forms take names, limits and choices from the same tables, so each is stated once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from apidesk.domain import validation
from apidesk.domain.numbers import INT32_MAX
from apidesk.errors import Collection, FieldProblem


class Kind(Enum):
    TEXT = "text"
    EMAIL = "email"
    CHOICE = "choice"
    BOOLEAN = "boolean"
    COUNT = "count"  # a whole number from 0 to `maximum`
    CUSTOM = "custom"  # the field's own `check` does all the checking


class Null(Enum):
    """What a null value means for a field."""

    REFUSED = "refused"  # a problem: "'x' cannot be null."
    KEPT = "kept"  # a value: it clears the field
    IGNORED = "ignored"  # the same as leaving the field out


@dataclass(frozen=True)
class Field:
    """One writable field. `name` is the domain's (and the table's key); `target` is the
    name problems and audit records report it under, the name on the wire."""

    name: str
    target: str
    kind: Kind
    min_length: int = 1
    max_length: int | None = None
    allow_blank: bool = False
    multiline: bool = False
    choices: tuple[str, ...] = ()
    case_sensitive: bool = False  # choices: else matched in any case, stored as declared
    maximum: int = INT32_MAX  # counts
    null: Null = Null.REFUSED
    # Run on the value the kind's check returned (on the given value for CUSTOM): reports its
    # problems into the collection and returns the clean value, or None when it refused it.
    check: Callable[[Collection, Field, Any], Any] | None = None


Table = Mapping[str, Field]


def prose(name: str, target: str, max_length: int) -> Field:
    """Free text a person writes (a description, a note, a comment): it may be empty, blank
    or several lines, and null clears it."""
    return Field(
        name,
        target,
        Kind.TEXT,
        min_length=0,
        max_length=max_length,
        allow_blank=True,
        multiline=True,
        null=Null.KEPT,
    )


def table(*fields: Field) -> Table:
    """A table keyed by the fields' domain names."""
    return {field.name: field for field in fields}


def check(problems: Collection, fields: Table, given: Mapping[str, Any]) -> dict[str, Any]:
    """The `given` values (keyed by domain name, each a field of `fields`) checked and
    cleaned, keyed as given; every problem goes into `problems`, in the order given. A
    refused value is left out of the result."""
    clean: dict[str, Any] = {}
    for name, value in given.items():
        field = fields[name]
        if value is None:
            if field.null is Null.REFUSED:
                problems.add(field.target, f"'{field.target}' cannot be null.")
            elif field.null is Null.KEPT:
                clean[name] = None
            continue
        result = _KINDS[field.kind](problems, field, value)
        if result is not None and field.check is not None:
            result = field.check(problems, field, result)
        if result is not None:
            clean[name] = result
    return clean


def from_wire(fields: Table, given: Mapping[str, Any]) -> dict[str, Any]:
    """`given` keyed by target, as a request names the fields, re-keyed by domain name in the
    order given; what the table does not declare is left out."""
    names = {field.target: name for name, field in fields.items()}
    return {names[key]: value for key, value in given.items() if key in names}


def missing(fields: Table, clean: Mapping[str, Any], required: Iterable[str]) -> list[FieldProblem]:
    """An "is required" problem for each of the `required` fields without a value in `clean`."""
    return [
        FieldProblem(fields[name].target, f"'{fields[name].target}' is required.")
        for name in required
        if clean.get(name) is None
    ]


def changes(fields: Table, clean: Mapping[str, Any]) -> dict[str, Any]:
    """`clean` keyed by the fields' targets, as audit records name them."""
    return {fields[name].target: value for name, value in clean.items()}


def _text(problems: Collection, field: Field, value: Any) -> str | None:
    assert field.max_length is not None, f"{field.name}: a text field needs max_length"
    return validation.text(
        problems,
        field.target,
        value,
        min_length=field.min_length,
        max_length=field.max_length,
        allow_blank=field.allow_blank,
        multiline=field.multiline,
    )


def _email(problems: Collection, field: Field, value: Any) -> str | None:
    return validation.email(
        problems, field.target, value, max_length=field.max_length or validation.EMAIL_MAX
    )


def _choice(problems: Collection, field: Field, value: Any) -> str | None:
    if not field.case_sensitive:
        return validation.choice(problems, field.target, value, field.choices)
    if value in field.choices:
        return str(value)
    problems.add(field.target, f"'{field.target}' must be one of: {', '.join(field.choices)}.")
    return None


def _boolean(problems: Collection, field: Field, value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    problems.add(field.target, f"'{field.target}' must be true or false.")
    return None


def _count(problems: Collection, field: Field, value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= field.maximum:
        return value
    # Both bounds, as a number a client can check against before sending.
    nullable = ", or null" if field.null is not Null.REFUSED else ""
    problems.add(
        field.target,
        f"'{field.target}' must be a whole number from 0 to {field.maximum}{nullable}.",
    )
    return None


def _custom(problems: Collection, field: Field, value: Any) -> Any:
    return value


_KINDS: dict[Kind, Callable[[Collection, Field, Any], Any]] = {
    Kind.TEXT: _text,
    Kind.EMAIL: _email,
    Kind.CHOICE: _choice,
    Kind.BOOLEAN: _boolean,
    Kind.COUNT: _count,
    Kind.CUSTOM: _custom,
}
