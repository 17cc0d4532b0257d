"""A write that lost a race to a delete of what it refers to (a member added to a group that
another request deleted meanwhile) breaks a foreign key. The unit of work turns that into the
domain's `Vanished`, a not-found, and keeps nothing of the write: never a bare IntegrityError,
which a front door showed as a 500 (console, portal) or a traceback (CLI). The violation is
forced: the parent is deleted with a raw statement between the service's check and its write."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from support import catalog
from support.server import ServiceRef
from support.units import unit

from apidesk.domain.context import Runtime
from apidesk.domain.groups import service as groups
from apidesk.errors import NotFound, Vanished
from apidesk.storage.models import Group, GroupMember


@pytest.fixture
def member_and_group(http: httpx.Client, service: ServiceRef) -> tuple[str, str]:
    catalog.user(http, service, "joiner", email="joiner@example.com", firstName="J", lastName="O")
    catalog.put(http, service, "/groups/leaving", {"displayName": "Leaving"})
    return "joiner", "leaving"


def count(runtime: Runtime, statement: Any) -> int:
    with runtime.database.unit_of_work(write=False) as session:
        return int(session.scalar(statement) or 0)


def instance(runtime: Runtime, service: ServiceRef) -> int:
    with runtime.database.unit_of_work(write=False) as session:
        return int(
            session.scalar(text("SELECT id FROM instances WHERE name = :n"), {"n": service.name})
        )


def groups_named(runtime: Runtime, service: ServiceRef, group_id: str) -> int:
    return count(
        runtime,
        select(func.count()).where(
            Group.name == group_id, Group.instance_id == instance(runtime, service)
        ),
    )


MEMBERS = select(func.count()).select_from(GroupMember)  # the built-in groups' too


def test_a_member_added_to_a_group_deleted_meanwhile_is_a_clean_not_found(
    runtime: Runtime,
    service: ServiceRef,
    member_and_group: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user_id, group_id = member_and_group
    checked = groups.is_member

    def deleted_meanwhile(ctx: Any, group: Group, user: Any) -> bool:
        answer = checked(ctx, group, user)
        ctx.session.execute(text("DELETE FROM groups WHERE id = :id"), {"id": group.id})
        return answer

    monkeypatch.setattr(groups, "is_member", deleted_meanwhile)
    members = count(runtime, MEMBERS)
    with pytest.raises(Vanished) as raised, unit(runtime, service) as ictx:
        groups.add_member(ictx, group_id, user_id)

    assert isinstance(raised.value, NotFound) and raised.value.code == "ResourceNotFound"
    assert "deleted by another change" in raised.value.message
    # Nothing of the unit was kept: not the member, and (here, where the delete rode in the
    # same unit) not the delete either.
    assert count(runtime, MEMBERS) == members
    assert groups_named(runtime, service, group_id) == 1


def test_a_row_written_with_a_reference_to_nothing_is_vanished_at_the_storage_layer(
    runtime: Runtime, service: ServiceRef, member_and_group: tuple[str, str]
) -> None:
    members = count(runtime, MEMBERS)
    with pytest.raises(Vanished), runtime.database.unit_of_work() as session:
        instance_id = session.scalar(
            text("SELECT id FROM instances WHERE name = :name"), {"name": service.name}
        )
        session.execute(
            text(
                "INSERT INTO group_members (group_id, user_id, instance_id) "
                "VALUES (:missing, :missing, :instance)"
            ),
            {"missing": 2_000_000_000, "instance": instance_id},
        )
        session.flush()
    assert count(runtime, MEMBERS) == members


def test_a_delete_committed_by_another_connection_is_vanished_too(
    runtime: Runtime,
    service: ServiceRef,
    member_and_group: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The race as it happens on PostgreSQL: another transaction deletes the group and
    commits between this one's read and its write. (SQLite has one writer at a time: a
    writing unit holds the write lock from its start, so there the delete cannot come
    between; the test above forces the violation on both.)"""
    if runtime.database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writers: another connection cannot delete meanwhile")
    user_id, group_id = member_and_group
    checked = groups.is_member

    def deleted_meanwhile(ctx: Any, group: Group, user: Any) -> bool:
        answer = checked(ctx, group, user)
        with runtime.database.engine.begin() as other:
            other.execute(text("SET LOCAL lock_timeout = '5s'"))
            other.execute(text("DELETE FROM groups WHERE id = :id"), {"id": group.id})
        return answer

    monkeypatch.setattr(groups, "is_member", deleted_meanwhile)
    members = count(runtime, MEMBERS)
    with pytest.raises(Vanished), unit(runtime, service) as ictx:
        groups.add_member(ictx, group_id, user_id)

    assert count(runtime, MEMBERS) == members
    assert groups_named(runtime, service, group_id) == 0
