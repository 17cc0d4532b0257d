"""Groups and their members. The three system groups are read-only: the system manages them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from sqlalchemy import delete as delete_rows
from sqlalchemy import exists, select

from apidesk.domain import audit, naming, validation
from apidesk.domain.context import InstanceContext
from apidesk.domain.fields import Field, Kind, Null, changes, check, missing, prose, table
from apidesk.domain.groups import repository
from apidesk.domain.users import repository as users
from apidesk.errors import Collection, Collided, Invalid, NotFound, PreconditionFailed
from apidesk.query import ListQuery, Page
from apidesk.storage.integrity import insert_unless_taken
from apidesk.storage.models import Group, GroupMember, User, UserSummary

GROUP_ID_MAX = 256
TYPES = ("custom", "system", "external")
FIELDS = table(
    Field("display_name", "displayName", Kind.TEXT, max_length=300),
    prose("description", "description", 1000),
    Field("type", "type", Kind.CHOICE, choices=TYPES),
    Field("external_id", "externalId", Kind.TEXT, max_length=2000, null=Null.KEPT),
)


class GroupFields(TypedDict, total=False):
    display_name: Any
    description: Any
    type: Any
    external_id: Any


def _read_only(group: Group) -> Invalid:
    return Invalid.field(
        "groupId",
        f"'{group.name}' is a system group: its name, description and membership are managed "
        "by the system.",
    )


def get_or_raise(ctx: InstanceContext, group_id: str, *, lock: bool = False) -> Group:
    group = repository.find(ctx, group_id, lock=lock)
    if group is None:
        raise NotFound(f"Group '{group_id}' was not found.")
    return group


def list_groups(
    ctx: InstanceContext, query: ListQuery, *, member: User | None = None
) -> Page[Group]:
    """The instance's groups; with `member`, those the user belongs to."""
    return repository.page(ctx, query, member=member)


def _check_etag(group: Group, expected_etag: str | None) -> None:
    if expected_etag not in (None, "*") and expected_etag != group.etag:
        raise PreconditionFailed()


def _validate(fields: Mapping[str, Any]) -> dict[str, Any]:
    problems = Collection()
    clean = check(problems, FIELDS, fields)
    problems.raise_if_any()
    return clean


def create_or_update(
    ctx: InstanceContext,
    group_id: str,
    fields: GroupFields,
    *,
    expected_etag: str | None = None,
    only_new: bool = False,
) -> tuple[Group, bool]:
    validation.entity_id(group_id, target="groupId", max_length=GROUP_ID_MAX)
    clean = _validate(fields)
    existing = repository.find(ctx, group_id, lock=True)
    if existing is not None:
        if only_new:
            raise Collided(
                f"Another group with the id '{group_id}' was added at the same time; nothing "
                "was changed. Look again and add it if it is still missing."
            )
        _check_etag(existing, expected_etag)
        _apply(ctx, existing, clean)
        ctx.session.flush()
        return existing, False
    if expected_etag is not None:
        raise PreconditionFailed("The group does not exist, so it cannot match 'If-Match'.")
    problems = Collection()
    problems.extend(missing(FIELDS, clean, ("display_name",)))
    kind = clean.get("type") or "custom"
    if kind == "system":
        problems.add("type", "System groups are built in; create a 'custom' or 'external' group.")
    if kind == "external" and not clean.get("external_id"):
        problems.add("externalId", "An external group needs 'externalId'.")
    if kind == "custom" and clean.get("external_id"):
        problems.add("externalId", "Only external groups have an 'externalId'.")
    problems.raise_if_any()
    group = Group(
        instance_id=ctx.instance.id,
        name=group_id,
        name_key=group_id.lower(),
        display_name=clean["display_name"],
        description=clean.get("description"),
        type=kind,
        external_id=clean.get("external_id"),
        built_in=False,
    )
    ctx.session.add(group)
    audit.record(ctx, "group.create", f"groups/{group_id}", changes(FIELDS, clean))
    ctx.session.flush()
    return group, True


def _apply(ctx: InstanceContext, group: Group, clean: Mapping[str, Any]) -> None:
    if group.built_in:
        current = {
            "display_name": group.display_name,
            "description": group.description,
            "type": group.type,
            "external_id": group.external_id,
        }
        if any(current[name] != value for name, value in clean.items()):
            raise _read_only(group)
        return
    if "type" in clean and clean["type"] != group.type:
        raise Invalid.field("type", "A group's type cannot change once it is created.")
    external_id = clean.get("external_id", group.external_id)
    if group.type == "external" and not external_id:
        raise Invalid.field("externalId", "An external group needs 'externalId'.")
    if group.type == "custom" and external_id:
        raise Invalid.field("externalId", "Only external groups have an 'externalId'.")
    for name, value in clean.items():
        setattr(group, name, value)
    if clean:
        audit.record(ctx, "group.update", f"groups/{group.name}", changes(FIELDS, clean))


def create(ctx: InstanceContext, fields: GroupFields) -> Group:
    """A new group with an id made from its display name (the console's + Add group)."""
    name = fields.get("display_name")
    group_id = naming.free_id(
        name if isinstance(name, str) else "",
        lambda candidate: repository.find(ctx, candidate) is not None,
        fallback="group",
    )
    # Only ever adds: an id taken since the check above is refused, never overwritten.
    return create_or_update(ctx, group_id, fields, only_new=True)[0]


def update(
    ctx: InstanceContext, group_id: str, fields: GroupFields, *, expected_etag: str = "*"
) -> Group:
    clean = _validate(fields)
    group = get_or_raise(ctx, group_id, lock=True)
    _check_etag(group, expected_etag)
    _apply(ctx, group, clean)
    ctx.session.flush()
    return group


def delete(ctx: InstanceContext, group_id: str, *, expected_etag: str = "*") -> bool:
    group = repository.find(ctx, group_id, lock=True)
    if group is None:
        if expected_etag == "*":
            return False
        raise NotFound(f"Group '{group_id}' was not found.")
    _check_etag(group, expected_etag)
    if group.built_in:
        raise _read_only(group)
    audit.record(ctx, "group.delete", f"groups/{group.name}")
    # Memberships and product links go with the group; the users stay.
    ctx.session.delete(group)
    ctx.session.flush()
    return True


def is_member(ctx: InstanceContext, group: Group, user: User) -> bool:
    return bool(
        ctx.session.scalar(
            select(exists().where(GroupMember.group_id == group.id, GroupMember.user_id == user.id))
        )
    )


def _user_or_raise(ctx: InstanceContext, user_id: str) -> User:
    user = users.find(ctx, user_id)
    if user is None:
        raise NotFound(f"User '{user_id}' was not found.")
    return user


def add_member(ctx: InstanceContext, group_id: str, user_id: str) -> tuple[User, bool]:
    """Add the user to the group; False when they already belonged to it."""
    group = get_or_raise(ctx, group_id)
    user = _user_or_raise(ctx, user_id)
    if group.built_in:
        raise _read_only(group)
    if is_member(ctx, group, user):
        return user, False
    member = GroupMember(group_id=group.id, user_id=user.id, instance_id=ctx.instance.id)
    if not insert_unless_taken(ctx.session, member):
        return user, False  # a concurrent add made them a member first
    audit.record(ctx, "group.member-add", f"groups/{group.name}", {"userId": user.name})
    ctx.session.flush()
    return user, True


def add_member_by_address(ctx: InstanceContext, group_id: str, who: str) -> tuple[User, bool]:
    """`add_member` for a user named by e-mail address (or, without an '@', by id)."""
    text = who.strip()
    user = (
        users.find_by_email(ctx, validation.email_key(text))
        if "@" in text
        else users.find(ctx, text)
    )
    if user is None:
        raise Invalid.field("user", f"There is no user '{text[:200]}' in this service.")
    return add_member(ctx, group_id, user.name)


def remove_member(ctx: InstanceContext, group_id: str, user_id: str) -> bool:
    group = get_or_raise(ctx, group_id)
    if group.built_in:
        raise _read_only(group)
    user = users.find(ctx, user_id)
    if user is None or not is_member(ctx, group, user):
        return False
    ctx.session.execute(
        delete_rows(GroupMember).where(
            GroupMember.group_id == group.id, GroupMember.user_id == user.id
        )
    )
    audit.record(ctx, "group.member-remove", f"groups/{group.name}", {"userId": user.name})
    ctx.session.flush()
    return True


def members(ctx: InstanceContext, group_id: str, query: ListQuery) -> Page[UserSummary]:
    return users.page(ctx, query, group=get_or_raise(ctx, group_id))


def member_count(ctx: InstanceContext, group_id: str) -> int:
    """How many members the group has, counted exactly (one group, on its primary key)."""
    return repository.member_count(ctx, get_or_raise(ctx, group_id))


def member_counts(ctx: InstanceContext) -> dict[str, int]:
    """How many members each group of the instance has, by group id; a group without
    members is absent (count 0)."""
    return repository.member_counts(ctx)


def check_membership(ctx: InstanceContext, group_id: str, user_id: str) -> bool:
    group = get_or_raise(ctx, group_id)
    user = users.find(ctx, user_id)
    return user is not None and is_member(ctx, group, user)
