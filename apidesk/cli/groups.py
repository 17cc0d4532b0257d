"""`apidesk groups`: groups and their members, with the management API's rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from apidesk.cli.common import ServiceOption, fail, found, pick_instance, unit_of_work
from apidesk.cli.output import JsonOption, LimitOption, YesOption, done, listing, print_json

if TYPE_CHECKING:
    from apidesk.domain.context import InstanceContext
    from apidesk.storage.models import Group, UserSummary

app = typer.Typer(help="Groups of users and their members.", no_args_is_help=True)
members_app = typer.Typer(help="The users in a group.", no_args_is_help=True)
app.add_typer(members_app, name="members")

COLUMNS = [("id", "id"), ("name", "displayName"), ("type", "type"), ("description", "description")]
MEMBER_COLUMNS = [("id", "id"), ("email", "email"), ("name", "name"), ("state", "state")]


def group_data(group: Group) -> dict[str, Any]:
    return {
        "id": group.name,
        "displayName": group.display_name,
        "description": group.description,
        "type": group.type,
        "externalId": group.external_id,
        "builtIn": group.built_in,
    }


def member_data(user: UserSummary) -> dict[str, Any]:
    return {
        "id": user.name,
        "email": user.email,
        "name": f"{user.first_name} {user.last_name}".strip(),
        "state": user.state,
    }


def _count_members(ictx: InstanceContext, group_id: str) -> int:
    from apidesk.domain.groups import service as groups

    return groups.member_count(ictx, group_id)


@app.command("list")
def list_groups(
    service: str = ServiceOption, limit: int = LimitOption, as_json: bool = JsonOption
) -> None:
    """List groups, the built-in ones first."""
    from apidesk.domain.groups import service as groups
    from apidesk.query import ListQuery

    with unit_of_work() as ctx:
        page = groups.list_groups(pick_instance(ctx, service), ListQuery(top=limit))
        rows = [group_data(group) for group in page.items]
    listing(rows, page.total, "groups", as_json, COLUMNS)


@app.command("show")
def show(group_id: str, service: str = ServiceOption, as_json: bool = JsonOption) -> None:
    """Show one group as JSON, with its number of members."""
    from apidesk.domain.groups import service as groups

    with unit_of_work() as ctx:
        ictx = pick_instance(ctx, service)
        data = group_data(groups.get_or_raise(ictx, group_id))
        data["members"] = _count_members(ictx, group_id)
    print_json(data)


@app.command("create")
def create(
    group_id: str,
    display_name: str = typer.Option(..., "--display-name", help="The name people see."),
    description: str = typer.Option(None, help="What the group is for."),
    kind: str = typer.Option("custom", "--type", help="custom, or external (with --external-id)."),
    external_id: str = typer.Option(None, "--external-id", help="The group's id elsewhere."),
    service: str = ServiceOption,
    as_json: bool = JsonOption,
) -> None:
    """Create a group."""
    from apidesk.domain.groups import service as groups

    fields: groups.GroupFields = {"display_name": display_name, "type": kind}
    if description is not None:
        fields["description"] = description
    if external_id is not None:
        fields["external_id"] = external_id
    with unit_of_work() as ctx:
        ictx = pick_instance(ctx, service)
        if found(groups.get_or_raise, ictx, group_id):
            raise fail(f"group '{group_id}' already exists")
        group, _ = groups.create_or_update(ictx, group_id, fields)
        data = group_data(group)
    done(f"Created group '{data['id']}'.", as_json, data)


@app.command("delete")
def delete(
    group_id: str, service: str = ServiceOption, yes: bool = YesOption, as_json: bool = JsonOption
) -> None:
    """Delete a group; its members stay, only their membership goes."""
    from apidesk.domain.groups import service as groups

    if not yes:
        typer.confirm(f"Delete group '{group_id}'?", abort=True)
    with unit_of_work() as ctx:
        deleted = groups.delete(pick_instance(ctx, service), group_id, expected_etag="*")
    if not deleted:
        raise fail(f"Group '{group_id}' was not found.")
    done(f"Deleted group '{group_id}'.", as_json, {"deleted": group_id})


@members_app.command("list")
def list_members(
    group_id: str,
    service: str = ServiceOption,
    limit: int = LimitOption,
    as_json: bool = JsonOption,
) -> None:
    """List the users in a group, oldest first."""
    from apidesk.domain.groups import service as groups
    from apidesk.query import ListQuery

    with unit_of_work() as ctx:
        page = groups.members(pick_instance(ctx, service), group_id, ListQuery(top=limit))
        rows = [member_data(user) for user in page.items]
    listing(rows, page.total, "members", as_json, MEMBER_COLUMNS)


@members_app.command("add")
def add_member(
    group_id: str, user_id: str, service: str = ServiceOption, as_json: bool = JsonOption
) -> None:
    """Add a user to a group (system groups are managed by the system)."""
    from apidesk.domain.groups import service as groups

    with unit_of_work() as ctx:
        ictx = pick_instance(ctx, service)
        user, added = groups.add_member(ictx, group_id, user_id)
        group = groups.get_or_raise(ictx, group_id).name
        name = user.name
    message = f"Added '{name}' to '{group}'." if added else f"'{name}' was already in '{group}'."
    done(message, as_json, {"group": group, "user": name, "added": added})


@members_app.command("remove")
def remove_member(
    group_id: str, user_id: str, service: str = ServiceOption, as_json: bool = JsonOption
) -> None:
    """Take a user out of a group; the user stays."""
    from apidesk.domain.groups import service as groups

    with unit_of_work() as ctx:
        ictx = pick_instance(ctx, service)
        removed = groups.remove_member(ictx, group_id, user_id)
        group = groups.get_or_raise(ictx, group_id).name
    if not removed:
        raise fail(f"User '{user_id}' is not a member of group '{group}'.")
    done(f"Removed '{user_id}' from '{group}'.", as_json, {"group": group, "user": user_id})
