"""`apidesk audit`: read the audit log."""

from __future__ import annotations

import json

import typer

from apidesk.cli.common import console, unit_of_work
from apidesk.cli.tables import cell, changes, column, print_table, table
from apidesk.domain import audit


def show(
    service: str = typer.Option(None, "--service", "-s", help="Only this service instance."),
    action: str = typer.Option(None, "--action", "-a", help="Actions starting with this."),
    target: str = typer.Option(None, "--target", "-t", help="Targets containing this."),
    limit: int = typer.Option(50, "--limit", "-n", min=1, max=10000, help="Newest N events."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """Show the newest audit events: who changed what, and when (--json for every field)."""
    with unit_of_work() as ctx:
        events = audit.search(
            ctx,
            audit.AuditQuery(
                instance_name=service, action_prefix=action, target_contains=target, limit=limit
            ),
        )
        rows = list(reversed(events))
    if as_json:
        for event in rows:
            record = {
                "at": event.at.isoformat(),
                "service": event.instance_name,
                "actor": event.actor,
                "action": event.action,
                "target": event.target,
                "changes": event.changes,
            }
            print(json.dumps(record, ensure_ascii=False))
        return
    # The service column only where it tells something: several services among the rows.
    several = service is None and len({event.instance_name for event in rows}) > 1
    shown = table(
        column("at (UTC)", fixed=True),
        *([column("service")] if several else []),
        column("actor"),
        column("action"),
        column("target", ratio=1),
        column("changes", ratio=2),
    )
    for event in rows:
        shown.add_row(
            cell(event.at.strftime("%Y-%m-%d %H:%M:%S")),
            *([cell(event.instance_name or "-")] if several else []),
            cell(event.actor),
            cell(event.action),
            cell(event.target),
            changes(event.changes),
        )
    if not several and rows and service is None and rows[0].instance_name:
        console.print(f"service: {rows[0].instance_name}", highlight=False, markup=False)
    print_table(console, shown)
