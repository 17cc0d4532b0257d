"""A change of a user's plain fields goes through the row (users.update without an entity):
it answers the user as stored, keeps an entity the same unit holds in step, and stores nothing
when it is refused."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select
from support import catalog
from support.server import ServiceRef
from support.units import unit

from apidesk.domain.context import Runtime
from apidesk.domain.users import service as users
from apidesk.errors import NotFound, PreconditionFailed
from apidesk.storage.models import RECORD_COLUMNS, AuditEvent, UserRecord

V = {"api-version": "2024-05-01"}


def stored(runtime: Runtime, service: ServiceRef, user_id: str) -> UserRecord:
    """The user as a unit of its own reads it."""
    with unit(runtime, service) as ictx:
        return users.read(ictx, user_id)


def audits(runtime: Runtime, service: ServiceRef) -> int:
    with runtime.database.unit_of_work(write=False) as session:
        statement = select(func.count()).where(
            AuditEvent.instance_name == service.name, AuditEvent.action == "user.update"
        )
        return int(session.scalar(statement) or 0)


@pytest.fixture
def user_id(http: httpx.Client, service: ServiceRef) -> str:
    catalog.user(http, service, "Row-1", email="row@example.com", firstName="Ro", lastName="W")
    return "Row-1"


def test_the_answer_is_the_stored_user(
    runtime: Runtime, service: ServiceRef, user_id: str, http: httpx.Client
) -> None:
    with unit(runtime, service) as ictx:
        before = users.read(ictx, user_id)
        after = users.update(ictx, user_id.lower(), {"note": "n1"}, expected_etag=before.etag)
        assert (after.name, after.note, after.first_name) == ("Row-1", "n1", "Ro")
        assert after.etag != before.etag
    now = stored(runtime, service, user_id)
    assert {column.key: getattr(now, column.key) for column in RECORD_COLUMNS} == {
        column.key: getattr(after, column.key) for column in RECORD_COLUMNS
    }
    shown = http.get(service.url(f"/users/{user_id}"), params=V)
    assert shown.headers["etag"].strip('"') == after.etag


def test_an_entity_of_the_unit_shows_the_change_and_can_still_be_flushed(
    runtime: Runtime, service: ServiceRef, user_id: str
) -> None:
    with unit(runtime, service) as ictx:
        held = users.get_or_raise(ictx, user_id)
        after = users.update(ictx, user_id, {"first_name": "Rita"}, expected_etag="*")
        assert (held.first_name, held.etag) == ("Rita", after.etag)
        # The entity's version is the row's: a later change through the ORM is not stale.
        held.last_name = "Later"
        ictx.session.flush()
    now = stored(runtime, service, user_id)
    assert (now.first_name, now.last_name) == ("Rita", "Later")


def test_no_change_keeps_the_etag_and_is_still_audited(
    runtime: Runtime, service: ServiceRef, user_id: str
) -> None:
    before = stored(runtime, service, user_id)
    counted = audits(runtime, service)
    with unit(runtime, service) as ictx:
        after = users.update(ictx, user_id, {"first_name": "Ro"}, expected_etag="*")
    assert after.etag == before.etag
    assert audits(runtime, service) == counted + 1


def test_a_refused_change_stores_nothing(
    runtime: Runtime, service: ServiceRef, user_id: str
) -> None:
    before = stored(runtime, service, user_id)
    counted = audits(runtime, service)
    with pytest.raises(PreconditionFailed), unit(runtime, service) as ictx:
        users.update(ictx, user_id, {"note": "lost"}, expected_etag="0" * 32)
    with pytest.raises(NotFound), unit(runtime, service) as ictx:
        users.update(ictx, "nobody", {"note": "lost"}, expected_etag="*")
    now = stored(runtime, service, user_id)
    assert (now.note, now.etag) == (before.note, before.etag)
    assert audits(runtime, service) == counted


def test_a_stale_etag_is_refused_when_nothing_would_change_either(
    runtime: Runtime, service: ServiceRef, user_id: str
) -> None:
    before = stored(runtime, service, user_id)
    with pytest.raises(PreconditionFailed), unit(runtime, service) as ictx:
        users.update(ictx, user_id, {"first_name": "Ro"}, expected_etag="0" * 32)
    assert stored(runtime, service, user_id).etag == before.etag


def test_a_note_set_and_cleared_moves_the_etag_each_time(
    runtime: Runtime, service: ServiceRef, user_id: str
) -> None:
    """The UPDATE tells a change by itself, and a missing note (NULL) is a value to it."""
    before = stored(runtime, service, user_id)
    assert before.note is None
    with unit(runtime, service) as ictx:
        noted = users.update(ictx, user_id, {"note": "n"}, expected_etag=before.etag)
    with unit(runtime, service) as ictx:
        cleared = users.update(ictx, user_id, {"note": None}, expected_etag=noted.etag)
    with unit(runtime, service) as ictx:
        again = users.update(ictx, user_id, {"note": None}, expected_etag=cleared.etag)
    assert len({before.etag, noted.etag, cleared.etag}) == 3
    assert (noted.note, cleared.note, again.note) == ("n", None, None)
    assert again.etag == cleared.etag
    now = stored(runtime, service, user_id)
    assert (now.note, now.etag) == (None, cleared.etag)


def test_several_fields_change_in_one_update_by_a_user_id_in_any_case(
    runtime: Runtime, service: ServiceRef, user_id: str
) -> None:
    with unit(runtime, service) as ictx:
        after = users.update(
            ictx, user_id.upper(), {"first_name": "A", "last_name": "Z"}, expected_etag="*"
        )
    now = stored(runtime, service, user_id)
    assert (now.first_name, now.last_name, now.etag) == ("A", "Z", after.etag)


def test_a_change_of_plain_fields_is_one_statement_on_the_user_row(
    runtime: Runtime, service: ServiceRef, user_id: str
) -> None:
    """No read before the UPDATE: it checks the ETag and the change itself. A refused or
    empty one then reads the row to say why."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "users" in statement.split("WHERE")[0]:
            # PostgreSQL's UPDATE comes inside a WITH that records its audit event too.
            words = statement.replace("(", " ").split()
            seen.append(words[3] if words[0] == "WITH" else words[0])

    event.listen(runtime.database.engine, "before_cursor_execute", record)
    try:
        with unit(runtime, service) as ictx:
            users.update(ictx, user_id, {"note": "once", "last_name": "W2"}, expected_etag="*")
        changed = list(seen)
        seen.clear()
        with unit(runtime, service) as ictx:
            users.update(ictx, user_id, {"note": "once"}, expected_etag="*")
    finally:
        event.remove(runtime.database.engine, "before_cursor_execute", record)
    assert changed == ["UPDATE"]
    assert seen == ["UPDATE", "SELECT"]
