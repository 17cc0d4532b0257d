"""Invitations sent by an import leave at the rate asked for: the dispatcher takes each when
its time comes, as the clock moves."""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import timedelta

import httpx
from support.inprocess import InProcessServer
from support.mailbox import Mailbox
from support.server import ServiceRef

from apidesk.domain.context import Context
from apidesk.domain.notifications import outbox
from apidesk.mail.dispatcher import Dispatcher
from apidesk.mail.smtp import SmtpSender

V = {"api-version": "2024-05-01"}


def test_invitations_from_an_import_are_spread_at_the_rate_asked(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, mailbox: Mailbox
) -> None:
    rows = [
        {
            "id": f"inv{i}",
            "email": f"inv{i}@{shop.name}.example",
            "firstName": "I",
            "lastName": str(i),
        }
        for i in range(4)
    ]
    response = admin.post(
        shop.url("/users/import"),
        params={**V, "invite": "true", "inviteRate": "1/min", "format": "jsonl"},
        content="\n".join(json.dumps(row) for row in rows),
    )
    assert response.status_code == 200, response.text
    assert response.json()["invited"] == 4
    with app.runtime.database.unit_of_work(write=False) as session:
        ctx = Context(app.runtime, session, "test")
        waiting = sorted(
            m.next_attempt_at
            for m in outbox.list_messages(ctx, status="queued", limit=100)
            if m.to_address.endswith(f"@{shop.name}.example")
        )
    # The first may be on its way already; the others wait a minute apart.
    later = waiting[-3:]
    assert [(b - a).total_seconds() for a, b in itertools.pairwise(later)] == [60, 60]
    assert later[0] - app.clock.now() > timedelta(seconds=30)

    # A dispatcher of our own, run by hand at chosen times: the app's one only sends what is
    # due, so both together still send each message once.
    settings = app.runtime.settings
    dispatcher = Dispatcher(app.runtime, SmtpSender(settings))
    sent = mailbox.wait_for(1, to=f"@{shop.name}.example")
    for minute in (1, 2, 3):
        asyncio.run(dispatcher.run_once())
        assert len(mailbox.to(f"@{shop.name}.example")) == minute
        app.clock.advance(timedelta(seconds=61))
        sent = mailbox.wait_for(minute + 1, to=f"@{shop.name}.example")
    assert sorted(m.to for m in sent) == sorted(r["email"] for r in rows)  # type: ignore[misc]
