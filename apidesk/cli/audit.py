"""`apidesk audit`: read the audit log."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from apidesk.cli.common import console, unit_of_work
from apidesk.domain import audit


def show(
    service: str = typer.Option(None, "--service", "-s", help="Only this service instance."),
    action: str = typer.Option(None, "--action", "-a", help="Actions starting with this."),
    target: str = typer.Option(None, "--target", "-t", help="Targets containing this."),
    limit: int = typer.Option(50, "--limit", "-n", min=1, max=10000, help="Newest N events."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """Show the newest audit events: who changed what, and when."""
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
    table = Table("at", "service", "actor", "action", "target", "changes")
    for event in rows:
        table.add_row(
            event.at.strftime("%Y-%m-%d %H:%M:%S"),
            event.instance_name or "-",
            event.actor,
            event.action,
            event.target,
            json.dumps(event.changes, ensure_ascii=False) if event.changes else "",
        )
    console.print(table)
