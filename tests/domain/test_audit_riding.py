"""The hot writes record their audit event with the write (`audit.riding`): on PostgreSQL in the
same statement, on SQLite by the statement after it. Either way the event is recorded exactly
when the write happens, with the written row's name, and never for a write that did not."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select
from support import catalog
from support.server import ServiceRef
from support.units import unit

from apidesk.domain import audit
from apidesk.domain.context import Runtime
from apidesk.domain.users import repository
from apidesk.domain.users import service as users
from apidesk.errors import Collided, Conflict, NotFound, PreconditionFailed
from apidesk.storage.models import AuditEvent


def events(runtime: Runtime, service: ServiceRef) -> list[tuple[str, str, str, dict[str, Any]]]:
    with runtime.database.unit_of_work(write=False) as session:
        rows = session.execute(
            select(AuditEvent.actor, AuditEvent.action, AuditEvent.target, AuditEvent.changes)
            .where(AuditEvent.instance_name == service.name, AuditEvent.action.like("user.%"))
            .order_by(AuditEvent.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


@contextmanager
def statements(runtime: Runtime) -> Iterator[list[str]]:
    """The writing statements (INSERT, UPDATE, WITH) sent while the block runs."""
    sent: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().startswith(("INSERT", "UPDATE", "WITH")):
            sent.append(" ".join(statement.split()))

    event.listen(runtime.database.engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(runtime.database.engine, "before_cursor_execute", seen)


@pytest.fixture
def user_id(http: httpx.Client, service: ServiceRef) -> str:
    catalog.user(http, service, "Rider-1", email="rider@example.com", firstName="Ri", lastName="D")
    return "Rider-1"


def test_a_change_records_one_event_with_the_stored_name(
    runtime: Runtime, service: ServiceRef, user_id: str
) -> None:
    before = events(runtime, service)
    with statements(runtime) as sent, unit(runtime, service, actor="token:rider") as ictx:
        users.update(ictx, "rider-1", {"note": "n", "last_name": "E"}, expected_etag="*")
    # The target names the user as stored (Rider-1), not as the call spelled it.
    assert events(runtime, service)[len(before) :] == [
        ("token:rider", "user.update", "users/Rider-1", {"note": "n", "lastName": "E"})
    ]
    if runtime.database.engine.dialect.name == "postgresql":
        assert len(sent) == 1
        assert sent[0].startswith("WITH") and "INSERT INTO audit_events" in sent[0]
    else:
        assert [statement.split()[0] for statement in sent] == ["UPDATE", "INSERT"]


def test_a_refused_or_missing_change_records_nothing_and_a_repeat_records_once(
    runtime: Runtime, service: ServiceRef, user_id: str
) -> None:
    before = events(runtime, service)
    with pytest.raises(PreconditionFailed), unit(runtime, service) as ictx:
        users.update(ictx, user_id, {"note": "x"}, expected_etag="0" * 32)
    with pytest.raises(NotFound), unit(runtime, service) as ictx:
        users.update(ictx, "nobody", {"note": "x"}, expected_etag="*")
    assert events(runtime, service) == before
    # A change that changes nothing writes no row, and is recorded once, by the read path.
    with unit(runtime, service) as ictx:
        users.update(ictx, user_id, {"first_name": "Ri"}, expected_etag="*")
    assert events(runtime, service)[len(before) :] == [
        ("test", "user.update", "users/Rider-1", {"firstName": "Ri"})
    ]


def test_a_failed_unit_takes_the_change_and_its_event_back(
    runtime: Runtime, service: ServiceRef, user_id: str
) -> None:
    before = events(runtime, service)
    with pytest.raises(RuntimeError), unit(runtime, service) as ictx:
        users.update(ictx, user_id, {"note": "gone"}, expected_etag="*")
        raise RuntimeError("the unit fails after the write")
    assert events(runtime, service) == before
    with unit(runtime, service) as ictx:
        assert users.read(ictx, user_id).note is None


def test_a_create_records_its_event_and_a_taken_address_records_none(
    runtime: Runtime, service: ServiceRef
) -> None:
    before = events(runtime, service)
    fields = {"email": "new.rider@example.com", "first_name": "N", "last_name": "R"}
    with statements(runtime) as sent, unit(runtime, service) as ictx:
        _, created = users.create_or_update(ictx, "New-Rider", fields)
    assert created
    (recorded,) = events(runtime, service)[len(before) :]
    assert recorded[1:3] == ("user.create", "users/New-Rider")
    assert (recorded[3]["email"], recorded[3]["state"]) == ("new.rider@example.com", "active")
    inserts = [statement for statement in sent if "INSERT INTO users" in statement]
    assert len(inserts) == 1
    riding = runtime.database.engine.dialect.name == "postgresql"
    assert ("INSERT INTO audit_events" in inserts[0]) == riding

    # The same address under another id: the insert writes nothing, so nothing is recorded.
    with pytest.raises(Conflict), unit(runtime, service) as ictx:
        users.create_or_update(ictx, "Other-Rider", fields)
    assert events(runtime, service)[len(before) :] == [recorded]


def test_the_plain_insert_records_its_event_and_a_refused_one_none(
    runtime: Runtime, service: ServiceRef
) -> None:
    """`add`, for a create that knows the id is free, records the same way. An insert the
    database refuses (a taken address) takes no event with it."""
    before = events(runtime, service)
    event = audit.Event("user.create", "users/", {"email": "plain@example.com"})
    values = {
        "name": "Plain-1",
        "name_key": "plain-1",
        "email": "plain@example.com",
        "email_key": "plain@example.com",
        "first_name": "P",
        "last_name": "L",
        "state": "active",
        "note": None,
        "identities": [],
        "registration_date": datetime(2026, 1, 1, tzinfo=UTC),
        "password_hash": None,
        "password_changed_at": None,
    }
    with unit(runtime, service) as ictx:
        assert repository.add(ictx, values, event).name == "Plain-1"
    with pytest.raises(Collided), unit(runtime, service) as ictx:
        repository.add(ictx, {**values, "name": "Plain-2", "name_key": "plain-2"}, event)
    actions = [(action, target) for _, action, target, _ in events(runtime, service)[len(before) :]]
    assert actions == [("user.create", "users/Plain-1")]
