"""`apidesk users`: the same user rules as the management API, from a shell."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from apidesk.cli.common import (
    ServiceOption,
    console,
    describe,
    fail,
    pick_instance,
    runtime,
    unit_of_work,
)
from apidesk.cli.lazy import Lazy, LazyGroup
from apidesk.domain.flows import invitation, recovery
from apidesk.domain.users import repository
from apidesk.domain.users import service as users
from apidesk.errors import DomainError
from apidesk.query import Compare, ListQuery


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


@app.command("list")
def list_users(
    service: str = ServiceOption,
    state: str = typer.Option(None, help="Only users in this state."),
    limit: int = typer.Option(100, "--limit", "-n", min=1, max=100000),
) -> None:
    """List users, oldest first."""
    with unit_of_work() as ctx:
        ictx = pick_instance(ctx, service)
        condition = Compare("state", "eq", state) if state else None
        page = users.list_users(ictx, ListQuery(filter=condition, top=limit))
        table = Table("id", "email", "name", "state", "registered")
        for user in page.items:
            table.add_row(
                user.name,
                user.email,
                f"{user.first_name} {user.last_name}".strip(),
                user.state,
                user.registration_date.strftime("%Y-%m-%d"),
            )
    console.print(table)
    if page.total > len(page.items):
        console.print(f"{len(page.items)} of {page.total} users shown; raise --limit for more.")


@app.command("show")
def show(user_id: str, service: str = ServiceOption) -> None:
    """Show one user as JSON."""
    with unit_of_work() as ctx:
        ictx = pick_instance(ctx, service)
        user = users.get_or_raise(ictx, user_id)
        groups = [group.name for group in repository.groups_of(ictx, [user]).get(user.id, [])]
        data = {
            "id": user.name,
            "email": user.email,
            "firstName": user.first_name,
            "lastName": user.last_name,
            "state": user.state,
            "note": user.note,
            "registrationDate": user.registration_date.isoformat(),
            "identities": user.identities,
            "groups": groups,
            "hasPassword": user.password_hash is not None,
        }
    print(json.dumps(data, indent=2, ensure_ascii=False))


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
        if repository.find(ictx, user_id) is not None:
            raise fail(f"user '{user_id}' already exists")
        user, _ = users.create_or_update(ictx, user_id, fields)
        name = user.name
    console.print(f"Created user '{name}'.", highlight=False)


def _set_state(user_id: str, state: str, service: str | None) -> None:
    with unit_of_work() as ctx:
        user = users.set_state(pick_instance(ctx, service), user_id, state)
        name = user.name
    console.print(f"User '{name}' is now {state}.", highlight=False)


@app.command("block")
def block(user_id: str, service: str = ServiceOption) -> None:
    """Block a user: no sign-in, no API calls."""
    _set_state(user_id, "blocked", service)


@app.command("activate")
def activate(user_id: str, service: str = ServiceOption) -> None:
    """Activate a blocked or pending user."""
    _set_state(user_id, "active", service)


@app.command("delete")
def delete(
    user_id: str,
    service: str = ServiceOption,
    delete_subscriptions: bool = typer.Option(
        False, "--delete-subscriptions", help="Delete the user's subscriptions too."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
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
    console.print(f"Deleted user '{user_id}'.", highlight=False)


@app.command("invite")
def invite(user_id: str, service: str = ServiceOption) -> None:
    """E-mail a pending user a new invitation link (earlier links stop working)."""
    with unit_of_work() as ctx:
        ictx = pick_instance(ctx, service)
        invitation.invite(ictx, users.get_or_raise(ictx, user_id))
    console.print(f"Invitation for '{user_id}' queued.", highlight=False)


@app.command("reset-password")
def reset_password(user_id: str, service: str = ServiceOption) -> None:
    """E-mail the user a one-time link to choose a new password."""
    with unit_of_work() as ctx:
        recovery.request(pick_instance(ctx, service), user_id, by_administrator=True)
    console.print(f"Password-reset link for '{user_id}' queued.", highlight=False)
