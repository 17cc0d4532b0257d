"""`apidesk outbox`: read, retry and send queued e-mail."""

from __future__ import annotations

import asyncio
import contextlib
import json

import typer

from apidesk.cli.common import console, fail, runtime, unit_of_work
from apidesk.cli.tables import cell, column, print_table, table
from apidesk.domain.instances import service as instances
from apidesk.domain.notifications import outbox
from apidesk.mail.dispatcher import Dispatcher
from apidesk.mail.smtp import SmtpSender

app = typer.Typer(help="The e-mail outbox.", no_args_is_help=True)


@app.command("list")
def list_messages(
    status: str = typer.Option(None, help="queued, sending, sent or failed."),
    limit: int = typer.Option(50, "--limit", "-n", min=1, max=10000),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """List the newest messages (never their bodies; --json for every field)."""
    with unit_of_work() as ctx:
        messages = outbox.list_messages(ctx, status=status, limit=limit)
        names = {i.id: i.name for i in instances.list_all(ctx)}
        if as_json:
            for message in messages:
                record = {
                    "id": message.id,
                    "service": names.get(message.instance_id),
                    "created": message.created_at.isoformat(),
                    "status": message.status,
                    "attempts": message.attempts,
                    "to": message.to_address,
                    "template": message.template,
                    "subject": message.subject,
                    "lastError": message.last_error,
                }
                print(json.dumps(record, ensure_ascii=False))
            return
        several = len({message.instance_id for message in messages}) > 1
        shown = table(
            column("id", fixed=True),
            *([column("service")] if several else []),
            column("created (UTC)", fixed=True),
            column("status", fixed=True),
            column("to", ratio=1),
            column("subject", ratio=1),
        )
        for message in messages:
            status = message.status
            if message.attempts and message.status != "sent":
                status = f"{status} ({message.attempts})"
            shown.add_row(
                cell(message.id),
                *([cell(names.get(message.instance_id, "?"))] if several else []),
                cell(message.created_at.strftime("%Y-%m-%d %H:%M")),
                cell(status),
                cell(message.to_address),
                cell(message.subject),
            )
    print_table(console, shown)


@app.command("show")
def show(message_id: int) -> None:
    """Show one message in full, as it will be (or was) sent."""
    with unit_of_work() as ctx:
        message = outbox.get_or_raise(ctx, message_id)
        envelope = outbox.open_message(ctx, message)
        header = [
            f"From: {envelope.sender_name} <{envelope.sender}>",
            f"To: {envelope.to_address}",
            *([f"Bcc: {', '.join(envelope.bcc)}"] if envelope.bcc else []),
            f"Subject: {envelope.subject}",
            f"Status: {message.status} after {message.attempts} attempt(s)"
            + (f"; last error: {message.last_error}" if message.last_error else ""),
        ]
    print("\n".join(header))
    print()
    print(envelope.text)


@app.command("retry")
def retry(message_id: int) -> None:
    """Queue a failed or waiting message to be sent now."""
    with unit_of_work() as ctx:
        outbox.retry(ctx, message_id)
    console.print(f"Message {message_id} is queued.", highlight=False)


@app.command("run")
def run(
    once: bool = typer.Option(False, "--once", help="Send what is due, then stop."),
) -> None:
    """Send queued e-mail over SMTP (APIDESK_SMTP_*); `apidesk serve` does this too."""
    rt = runtime()
    if not rt.settings.smtp_host:
        raise fail("APIDESK_SMTP_HOST is not set; there is nowhere to send e-mail")
    dispatcher = Dispatcher(rt, SmtpSender(rt.settings))
    if once:
        count = asyncio.run(dispatcher.run_once())
        console.print(f"Attempted {count} message(s).", highlight=False)
        return
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(dispatcher.run())
