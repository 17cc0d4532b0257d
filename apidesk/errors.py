"""One error hierarchy for the whole product.

Domain code raises these; each front door (management API, portal, CLI) renders them once.
Nothing here knows about HTTP: the management API decides that `NotFound` is a 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field. `target` is the wire path without `properties.`."""

    target: str
    message: str


class DomainError(Exception):
    code = "Error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class Invalid(DomainError):
    """The request asks for something malformed or against a rule."""

    code = "ValidationError"

    def __init__(
        self,
        message: str = "One or more fields contain incorrect values:",
        problems: list[FieldProblem] | None = None,
        *,
        code: str | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.problems = problems or []

    @classmethod
    def field(cls, target: str, message: str) -> Invalid:
        return cls(problems=[FieldProblem(target, message)])


class NotFound(DomainError):
    code = "ResourceNotFound"


class Conflict(DomainError):
    """The request collides with existing state, such as a taken e-mail address."""

    code = "Conflict"

    def __init__(self, message: str, *, target: str | None = None, code: str | None = None):
        super().__init__(message, code=code)
        self.target = target


class Collided(Conflict):
    """A concurrent writer took the same unique key (an id, a name, a link) first, and the
    database refused the second: the storage layer raises this for every front door, and
    nothing of the request that lost was kept."""


class Vanished(NotFound):
    """Something a write refers to (its service, a group, a user) was deleted by a concurrent
    writer between the request's reading it and its write, and the database refused the write
    for a foreign key: the storage layer raises this for every front door, and nothing of the
    request was kept. A retry would find the thing gone, so this is the same 404."""


class PreconditionFailed(DomainError):
    """The entity changed since the caller read it (stale ETag or a concurrent writer)."""

    code = "PreconditionFailed"

    def __init__(
        self,
        message: str = "The entity has been modified since it was read; "
        "get it again and retry with the new ETag.",
    ) -> None:
        super().__init__(message)


class Forbidden(DomainError):
    code = "Forbidden"


class Unauthorized(DomainError):
    """Credentials are missing, wrong, expired or revoked."""

    code = "AuthenticationFailed"


class Collection:
    """Collects field problems so a request reports every one of them at once."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []

    def add(self, target: str, message: str) -> None:
        self.problems.append(FieldProblem(target, message))

    def extend(self, problems: Iterable[FieldProblem]) -> None:
        self.problems.extend(problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise Invalid(problems=list(self.problems))
