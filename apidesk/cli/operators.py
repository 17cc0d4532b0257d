"""`apidesk operator`: the people who sign in to the admin console."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.markup import escape

from apidesk.cli.common import actor, console, fail, pick_instance, unit_of_work
from apidesk.cli.tables import cell, column, print_table, table
from apidesk.domain.context import Context, Runtime
from apidesk.domain.operators import service as operators
from apidesk.storage.models import Operator

app = typer.Typer(help="Operators: who signs in to the admin console.", no_args_is_help=True)

JsonOption = typer.Option(False, "--json", help="Print JSON instead of text.")


def _view(ctx: Context, operator: Operator) -> dict[str, Any]:
    instance = operators.instance_of(ctx, operator)
    return {
        "email": operator.email,
        "service": instance.name if instance is not None else None,
        "passwordSet": operator.password_hash is not None,
        "createdAt": operator.created_at.isoformat(),
    }


@app.command("create")
def create(
    email: str = typer.Argument(..., help="The operator's e-mail address."),
    service: str = typer.Option(
        None, "--service", "-s", help="Limit the operator to this service instance."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Create an operator. The last line printed is a one-time link (1 hour) where they set
    a password and land signed in."""
    with unit_of_work() as ctx:
        instance = pick_instance(ctx, service).instance if service else None
        issued = operators.create(ctx, email, instance)
        view = _view(ctx, issued.operator)
    if as_json:
        print(json.dumps({**view, "link": issued.link}, ensure_ascii=False))
        return
    scope = f"service {view['service']}" if view["service"] else "every service"
    console.print(
        f"Created operator {view['email']} for {scope}. Open this link within an hour to "
        "set a password (it works once):",
        highlight=False,
    )
    print(issued.link)


@app.command("link")
def link(
    email: str = typer.Argument(..., help="The operator's e-mail address."),
    as_json: bool = JsonOption,
) -> None:
    """A new one-time link for an operator to set a password; earlier links stop working."""
    with unit_of_work() as ctx:
        operator = operators.find_or_raise(ctx, email)
        url = operators.issue_link(ctx, operator)
        shown = operator.email
    if as_json:
        print(json.dumps({"email": shown, "link": url}, ensure_ascii=False))
        return
    console.print(f"A new link for {shown} (works once, for an hour):", highlight=False)
    print(url)


@app.command("list")
def list_operators(as_json: bool = JsonOption) -> None:
    """List operators."""
    with unit_of_work() as ctx:
        views = [_view(ctx, operator) for operator in operators.list_all(ctx)]
    if as_json:
        print(json.dumps(views, ensure_ascii=False))
        return
    if not views:
        console.print("No operators yet. Create one: apidesk operator create EMAIL")
        return
    shown = table(
        column("e-mail", ratio=2),
        column("service", ratio=1),
        column("password", fixed=True),
        column("created", fixed=True),
    )
    for view in views:
        shown.add_row(
            cell(view["email"]),
            cell(view["service"] or "all services"),
            "set" if view["passwordSet"] else "not set yet",
            view["createdAt"][:16].replace("T", " "),
        )
    print_table(console, shown)


@app.command("scope")
def scope(
    email: str = typer.Argument(..., help="The operator's e-mail address."),
    service: str = typer.Option(
        None, "--service", "-s", help="Limit the operator to this service instance."
    ),
    every: bool = typer.Option(False, "--all", help="Let the operator manage every service."),
    as_json: bool = JsonOption,
) -> None:
    """Limit an operator to one service (--service) or give them every one (--all); a change
    ends their console sessions at once."""
    if bool(service) == every:
        raise fail("give exactly one of --service NAME and --all", 2)
    with unit_of_work() as ctx:
        instance = pick_instance(ctx, service).instance if service else None
        operator, changed = operators.change_scope(ctx, email, instance)
        view = _view(ctx, operator)
    if as_json:
        print(json.dumps({**view, "changed": changed}, ensure_ascii=False))
        return
    shown = f"service {view['service']}" if view["service"] else "every service"
    if changed:
        console.print(
            f"{view['email']} now manages {shown}; their sessions have ended.", highlight=False
        )
    else:
        console.print(f"{view['email']} already manages {shown}.", highlight=False)


@app.command("remove")
def remove(
    email: str = typer.Argument(..., help="The operator's e-mail address."),
    as_json: bool = JsonOption,
) -> None:
    """Remove an operator; their console sessions end at once."""
    with unit_of_work() as ctx:
        removed = operators.remove(ctx, email).email
    if as_json:
        print(json.dumps({"email": removed, "removed": True}, ensure_ascii=False))
        return
    console.print(f"Removed operator {removed}; their sessions have ended.", highlight=False)


def announce_first_operator(runtime: Runtime) -> None:
    """At `apidesk serve`: when no operator exists yet, make one for the publisher's address
    and print the link that opens the console."""
    with runtime.database.unit_of_work() as session:
        issued = operators.first_operator(Context(runtime, session, actor()))
        if issued is None:
            return
        email = issued.operator.email
    console.print(
        f"No operator yet: created [bold]{escape(email)}[/]. Open this link within an hour to "
        "set a password and sign in to the console (it works once; `apidesk operator link "
        f"{escape(email)}` makes a new one):",
        markup=True,
        highlight=False,
    )
    print(issued.link, flush=True)
