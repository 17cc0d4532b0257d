"""`apidesk users`: the same user rules as the management API, from a shell."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from apidesk.cli.common import (
    ServiceOption,
    describe,
    fail,
    found,
    pick_instance,
    runtime,
    unit_of_work,
)
from apidesk.cli.lazy import Lazy, LazyGroup
from apidesk.cli.output import JsonOption, LimitOption, YesOption, done, listing, print_json
from apidesk.domain.users import service as users
from apidesk.errors import DomainError

if TYPE_CHECKING:
    from apidesk.domain.context import InstanceContext
    from apidesk.storage.models import User, UserSummary


class UserCommands(LazyGroup):
    # The bulk commands bring the import machinery and the $filter parser: loaded on use.
    lazy = {
        "import": Lazy(
            "apidesk.cli.bulk:import_users",
            "Create or update users from a CSV or JSON Lines file; resumes an interrupted import.",
        ),
        "export": Lazy(
            "apidesk.cli.bulk:export_users",
            "Write users, all or those a filter selects, as CSV or JSON Lines.",
        ),
    }
    lazy_first = False


app = typer.Typer(help="Developer accounts.", no_args_is_help=True, cls=UserCommands)

COLUMNS = [
    ("id", "id"),
    ("email", "email"),
    ("name", "name"),
    ("state", "state"),
    ("registered", "registrationDate"),
]


def user_data(user: UserSummary) -> dict[str, Any]:
    return {
        "id": user.name,
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "state": user.state,
        "note": user.note,
        "registrationDate": user.registration_date.isoformat(),
    }


def _with_groups(ictx: InstanceContext, user: User) -> dict[str, Any]:

    groups = [group.name for group in users.groups(ictx, user)]
    return {
        **user_data(user),
        "identities": user.identities,
        "groups": groups,
        "hasPassword": user.password_hash is not None,
    }


@app.command("list")
def list_users(
    service: str = ServiceOption,
    state: str = typer.Option(None, help="Only users in this state."),
    limit: int = LimitOption,
    as_json: bool = JsonOption,
) -> None:
    """List users, oldest first."""
    from apidesk.query import Compare, ListQuery

    with unit_of_work() as ctx:
        ictx = pick_instance(ctx, service)
        condition = Compare("state", "eq", state) if state else None
        page = users.list_users(ictx, ListQuery(filter=condition, top=limit))
        rows = [user_data(user) for user in page.items]
    if not as_json:
        for row in rows:
            row["name"] = f"{row['firstName']} {row['lastName']}".strip()
            row["registrationDate"] = row["registrationDate"][:10]
    listing(rows, page.total, "users", as_json, COLUMNS)


@app.command("show")
def show(user_id: str, service: str = ServiceOption, as_json: bool = JsonOption) -> None:
    """Show one user as JSON."""
    with unit_of_work() as ctx:
        ictx = pick_instance(ctx, service)
        data = _with_groups(ictx, users.get_or_raise(ictx, user_id))
    print_json(data)


@app.command("create")
def create(
    user_id: str,
    email: str = typer.Option(..., help="E-mail address, unique in the service."),
    first_name: str = typer.Option(..., "--first-name"),
    last_name: str = typer.Option(..., "--last-name"),
    note: str = typer.Option(None),
    state: str = typer.Option(None, help="active (default), blocked or pending."),
    set_password: bool = typer.Option(
        False, "--password", help="Prompt for a password (otherwise none is set)."
    ),
    service: str = ServiceOption,
    as_json: bool = JsonOption,
) -> None:
    """Create a user."""
    fields: users.UserFields = {"email": email, "first_name": first_name, "last_name": last_name}
    if note is not None:
        fields["note"] = note
    if state is not None:
        fields["state"] = state
    if set_password:
        fields["password"] = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            # Checked and hashed before the unit of work: no lock waits for argon2.
            fields = users.hash_ahead(runtime(), fields)
        except DomainError as error:
            raise fail(describe(error)) from None
    with unit_of_work() as ctx:
        ictx = pick_instance(ctx, service)
        if found(users.get_or_raise, ictx, user_id):
            raise fail(f"user '{user_id}' already exists")
        user, _ = users.create_or_update(ictx, user_id, fields)
        data = _with_groups(ictx, user)
    done(f"Created user '{data['id']}'.", as_json, data)


def _set_state(user_id: str, state: str, service: str | None, as_json: bool) -> None:
    with unit_of_work() as ctx:
        user = users.set_state(pick_instance(ctx, service), user_id, state)
        data = user_data(user)
    done(f"User '{data['id']}' is now {state}.", as_json, data)


@app.command("block")
def block(user_id: str, service: str = ServiceOption, as_json: bool = JsonOption) -> None:
    """Block a user: no sign-in, no API calls."""
    _set_state(user_id, "blocked", service, as_json)


@app.command("activate")
def activate(user_id: str, service: str = ServiceOption, as_json: bool = JsonOption) -> None:
    """Activate a blocked or pending user."""
    _set_state(user_id, "active", service, as_json)


@app.command("delete")
def delete(
    user_id: str,
    service: str = ServiceOption,
    delete_subscriptions: bool = typer.Option(
        False, "--delete-subscriptions", help="Delete the user's subscriptions too."
    ),
    yes: bool = YesOption,
    as_json: bool = JsonOption,
) -> None:
    """Delete a user."""
    if not yes:
        typer.confirm(f"Delete user '{user_id}'?", abort=True)
    with unit_of_work() as ctx:
        deleted = users.delete(
            pick_instance(ctx, service),
            user_id,
            expected_etag="*",
            delete_subscriptions=delete_subscriptions,
        )
    if not deleted:
        raise fail(f"there is no user '{user_id}'")
    done(f"Deleted user '{user_id}'.", as_json, {"deleted": user_id})


@app.command("invite")
def invite(
    target: str = typer.Argument(
        ..., metavar="EMAIL|USER_ID", help="A new user's e-mail, or a pending user's id."
    ),
    first_name: str = typer.Option(None, "--first-name", help="Invite a new user: first name."),
    last_name: str = typer.Option(None, "--last-name", help="Invite a new user: last name."),
    user_id: str = typer.Option(None, "--id", help="The new user's id; generated when left out."),
    note: str = typer.Option(None, help="A note about the new user."),
    service: str = ServiceOption,
    as_json: bool = JsonOption,
) -> None:
    """Invite someone by e-mail: with --first-name and --last-name a pending user is created
    and invited in one step; given only a pending user's id, a new invitation link is sent
    (earlier links stop working)."""
    if first_name is None and last_name is None:
        if user_id is not None or note is not None:
            raise fail("--id and --note are for a new user: give --first-name and --last-name")
        _reinvite(target, service, as_json)
        return
    if first_name is None or last_name is None:
        raise fail("a new user needs both --first-name and --last-name")
    from apidesk.domain.users.service import CreateOptions
    from apidesk.ids import object_id

    fields: users.UserFields = {"email": target, "first_name": first_name, "last_name": last_name}
    if note is not None:
        fields["note"] = note
    new_id = user_id or object_id()
    with unit_of_work() as ctx:
        ictx = pick_instance(ctx, service)
        if found(users.get_or_raise, ictx, new_id):
            raise fail(f"user '{new_id}' already exists")
        # The management API's PUT with confirmation=invite and notify=true: a pending user,
        # a one-time link and the invitation e-mail, in one transaction.
        user, _ = users.create_or_update(
            ictx, new_id, fields, options=CreateOptions(confirmation="invite", notify=True)
        )
        data = _with_groups(ictx, user)
    done(f"Invited '{data['email']}' as user '{data['id']}'.", as_json, data)


def _reinvite(user_id: str, service: str | None, as_json: bool) -> None:
    from apidesk.domain.flows import invitation

    with unit_of_work() as ctx:
        ictx = pick_instance(ctx, service)
        try:
            user = users.get_or_raise(ictx, user_id)
        except DomainError as error:
            if "@" in user_id:
                raise fail(
                    f"{error.message} To invite someone new, give --first-name and --last-name."
                ) from None
            raise
        invitation.invite(ictx, user)
        data = user_data(user)
    done(f"Invitation for '{data['id']}' queued.", as_json, data)


@app.command("reset-password")
def reset_password(user_id: str, service: str = ServiceOption, as_json: bool = JsonOption) -> None:
    """E-mail the user a one-time link to choose a new password."""
    from apidesk.domain.flows import recovery

    with unit_of_work() as ctx:
        recovery.request(pick_instance(ctx, service), user_id, by_administrator=True)
    done(f"Password-reset link for '{user_id}' queued.", as_json, {"id": user_id, "queued": True})
