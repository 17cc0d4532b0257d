"""`apidesk token`: management API credentials."""

from __future__ import annotations

import typer

from apidesk.cli.common import console, fail, pick_instance, unit_of_work
from apidesk.cli.tables import cell, column, print_table, table
from apidesk.domain import admin_tokens
from apidesk.domain.instances import service as instances
from apidesk.errors import Conflict

app = typer.Typer(help="Admin tokens for the management API.", no_args_is_help=True)


@app.command("create")
def create(
    name: str = typer.Option(None, "--name", "-n", help="A unique name; generated if left out."),
    expires_in: int = typer.Option(None, "--expires-in", help="Days until the token expires."),
    service: str = typer.Option(
        None, "--service", "-s", help="Limit the token to this service instance."
    ),
    replace: bool = typer.Option(
        False,
        "--replace",
        help="If a token of this name exists, rotate it: its old value stops working at once.",
    ),
) -> None:
    """Create a token. It is printed once, as the last line; only its digest is kept.

    A name that is taken fails (exit code 1, message on stderr, nothing on stdout) unless
    --replace is given."""
    with unit_of_work() as ctx:
        instance = pick_instance(ctx, service).instance if service else None
        try:
            issued = admin_tokens.create(
                ctx, name, expires_in_days=expires_in, instance=instance, replace=replace
            )
        except Conflict as error:
            raise fail(f"{error.message} Add --replace to rotate it.") from None
    expiry = issued.record.expires_at.isoformat() if issued.record.expires_at else "never"
    scope = f"service {instance.name}" if instance else "every service"
    console.print(
        f"{'Replaced' if issued.replaced else 'Created'} token '{issued.record.name}' "
        f"for {scope} (expires: {expiry}). "
        "Store it now; it cannot be shown again.",
        highlight=False,
        soft_wrap=True,
    )
    print(issued.secret)


@app.command("list")
def list_tokens() -> None:
    """List tokens (never their values)."""
    with unit_of_work() as ctx:
        records = admin_tokens.list_all(ctx)
        names = {instance.id: instance.name for instance in instances.list_all(ctx)}
        now = ctx.now()
        shown = table(
            column("name", ratio=2),
            column("scope", ratio=1),
            column("created", fixed=True),
            column("expires", fixed=True),
            column("status", fixed=True),
        )
        for record in records:
            if record.revoked_at:
                status = "revoked"
            elif record.expires_at and record.expires_at <= now:
                status = "expired"
            else:
                status = "active"
            scope = "all services"
            if record.instance_id is not None:
                scope = names.get(record.instance_id, "?")
            shown.add_row(
                cell(record.name),
                cell(scope),
                record.created_at.strftime("%Y-%m-%d %H:%M"),
                record.expires_at.strftime("%Y-%m-%d %H:%M") if record.expires_at else "never",
                status,
            )
    print_table(console, shown)


@app.command("revoke")
def revoke(name: str = typer.Argument(..., help="The token's name.")) -> None:
    """Revoke a token at once."""
    with unit_of_work() as ctx:
        admin_tokens.revoke(ctx, name)
    console.print(f"Revoked token '{name}'.", highlight=False)
