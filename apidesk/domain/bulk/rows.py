"""One import record checked against the user rules, on its own: the rules that need the
database (who holds an e-mail address, which groups exist) are applied per batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, cast

from apidesk.domain import validation
from apidesk.domain.bulk.records import Record
from apidesk.domain.users import service as users
from apidesk.errors import Collection, FieldProblem, Invalid
from apidesk.security.hash_formats import UnusableHash
from apidesk.security.passwords import PasswordHashing

Match = Literal["id", "email"]
MATCHES: tuple[Match, ...] = ("id", "email")
GROUPS_MAX = 100
# The record's names for the user fields the user rules check.
_USER_FIELDS = {
    "email": "email",
    "firstName": "first_name",
    "lastName": "last_name",
    "state": "state",
    "note": "note",
}


@dataclass(slots=True)
class Row:
    """A record that passed every check that needs no database."""

    line: int
    user_id: str | None
    email_key: str | None
    # Checked fields as the users service keys them (`first_name`, ...).
    fields: dict[str, Any]
    groups: list[str] = field(default_factory=list)
    password_hash: str | None = None
    registration_date: datetime | None = None
    id_key: str | None = None

    def __post_init__(self) -> None:
        self.id_key = self.user_id.lower() if self.user_id is not None else None


@dataclass(frozen=True, slots=True)
class Refused:
    """A record that broke a rule, with every problem found."""

    line: int
    problems: list[FieldProblem]


def check(passwords: PasswordHashing, record: Record, match: Match) -> Row | Refused:
    """The record as a `Row`, or why it is refused. Needs no database, so it can run apart
    from the unit of work that writes."""
    if any(problem.target == "line" for problem in record.problems):
        return Refused(record.line, record.problems)  # nothing could be read from it
    problems = Collection()
    problems.problems.extend(record.problems)
    values = record.values
    user_id = _user_id(problems, values.get("id"), required=match == "id")
    if match == "email" and values.get("email") is None:
        problems.add("email", "'email' is required to match users by e-mail address.")
    given = {_USER_FIELDS[name]: value for name, value in values.items() if name in _USER_FIELDS}
    clean = users.check_fields(problems, cast(users.UserFields, given))
    groups = _groups(problems, values.get("groups"))
    password_hash = _password_hash(passwords, problems, values.get("passwordHash"))
    registered = _moment(problems, values.get("registrationDate"))
    if problems.problems:
        return Refused(record.line, _unique(problems.problems))
    email = clean.get("email")
    return Row(
        line=record.line,
        user_id=user_id,
        email_key=validation.email_key(email) if email else None,
        fields=clean,
        groups=groups,
        password_hash=password_hash,
        registration_date=registered,
    )


def _unique(problems: list[FieldProblem]) -> list[FieldProblem]:
    seen: list[FieldProblem] = []
    for problem in problems:
        if problem not in seen:
            seen.append(problem)
    return seen


def _user_id(problems: Collection, value: Any, *, required: bool) -> str | None:
    if value is None:
        if required:
            problems.add("id", "'id' is required to match users by id.")
        return None
    if not isinstance(value, str):
        problems.add("id", "'id' must be a string.")
        return None
    try:
        return users.check_user_id(value)
    except Invalid as error:
        for problem in error.problems:
            problems.add("id", problem.message.replace("'userId'", "'id'"))
        return None


def _groups(problems: Collection, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.add("groups", "'groups' must be a list of group ids.")
        return []
    if len(value) > GROUPS_MAX:
        problems.add("groups", f"A row names at most {GROUPS_MAX} groups.")
        return []
    return [item.strip() for item in value if item.strip()]


def _password_hash(passwords: PasswordHashing, problems: Collection, value: Any) -> str | None:
    if value is None:
        return None
    try:
        return passwords.importable(value)
    except UnusableHash as error:
        problems.add("passwordHash", f"The password hash cannot be used: {error}.")
        return None


def _moment(problems: Collection, value: Any) -> datetime | None:
    if value is None:
        return None
    parsed: Any = value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            problems.add("registrationDate", "'registrationDate' must be an ISO 8601 date-time.")
            return None
    return validation.moment(problems, "registrationDate", parsed)
