"""The outbox: e-mails wait while SMTP is down and go out once it is back, none lost and none
sent twice; failures are retried with growing waits, then given up; several dispatchers share
the work without sending anything twice."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from support.databases import Isolated
from support.inprocess import InProcessServer, in_process_server
from support.mailbox import Mailbox, smtp_server
from support.server import LiveServer, ServiceRef, cli, create_service, free_port

from apidesk.clock import ManualClock
from apidesk.domain.context import Context
from apidesk.domain.notifications import outbox
from apidesk.errors import Invalid
from apidesk.mail.dispatcher import Dispatcher
from apidesk.mail.smtp import SmtpSender

V = {"api-version": "2024-05-01"}


@pytest.fixture
def down_port() -> int:
    return free_port()


@pytest.fixture
def lonely(isolated: Isolated, down_port: int) -> Iterator[InProcessServer]:
    """A server whose SMTP server is not running (yet)."""
    with in_process_server(
        isolated.database_url,
        isolated.directory,
        down_port,
        outbox_max_attempts=4,  # type: ignore[attr-defined]
    ) as running:
        yield running


def statuses(server: InProcessServer, service: ServiceRef) -> list[tuple[str, int]]:
    with server.runtime.database.unit_of_work(write=False) as session:
        ctx = Context(server.runtime, session, "test")
        instance_id = _instance_id(session, service.name)
        rows = outbox.list_messages(ctx, instance_id=instance_id, limit=100)
        return [(row.status, row.attempts) for row in reversed(rows)]


def _instance_id(session: object, name: str) -> int:
    from sqlalchemy import select

    from apidesk.storage.models import Instance

    return int(session.scalar(select(Instance.id).where(Instance.name == name)))  # type: ignore[attr-defined]


def wait(condition: object, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def queue_mail(server: InProcessServer, service: ServiceRef, count: int) -> list[str]:
    addresses = []
    with server.client() as admin:
        for index in range(count):
            email = f"queued{index}@example.com"
            body = {"properties": {"email": email, "firstName": "Q", "lastName": str(index)}}
            admin.put(service.url(f"/users/q{index}"), params=V, json=body).raise_for_status()
            admin.post(
                service.url(f"/users/q{index}/confirmations/password/send"), params=V
            ).raise_for_status()
            addresses.append(email)
    return addresses


def test_mail_waits_while_smtp_is_down_and_goes_out_once_back(
    lonely: InProcessServer, down_port: int
) -> None:
    service = lonely.new_service("outbox-down")
    addresses = queue_mail(lonely, service, 3)
    wait(lambda: statuses(lonely, service) == [("queued", 1)] * 3)

    with smtp_server(port=down_port) as box:
        # Still waiting: the retry is not due yet.
        time.sleep(0.5)
        assert box.messages == []
        lonely.clock.advance(timedelta(seconds=31))
        for address in addresses:
            box.wait_for(to=address)
        wait(lambda: all(status == "sent" for status, _ in statuses(lonely, service)))
        lonely.clock.advance(timedelta(hours=2))
        time.sleep(0.5)
        assert sorted(m.to for m in box.messages) == sorted(addresses)
    assert [attempts for _, attempts in statuses(lonely, service)] == [2, 2, 2]


def test_retries_wait_longer_each_time_then_give_up(lonely: InProcessServer) -> None:
    service = lonely.new_service("outbox-giveup")
    queue_mail(lonely, service, 1)
    for attempt, delay in enumerate((30, 60, 120), start=1):
        wait(lambda attempt=attempt: statuses(lonely, service) == [("queued", attempt)])
        lonely.clock.advance(timedelta(seconds=delay - 1))
        time.sleep(0.4)
        assert statuses(lonely, service) == [("queued", attempt)]
        lonely.clock.advance(timedelta(seconds=2))
    wait(lambda: statuses(lonely, service) == [("failed", 4)])


def test_a_refused_message_fails_at_once(lonely: InProcessServer, down_port: int) -> None:
    service = lonely.new_service("outbox-refused")
    with smtp_server(port=down_port) as box:
        box.refuse_with = "550 No such mailbox"
        queue_mail(lonely, service, 1)
        wait(lambda: statuses(lonely, service) == [("failed", 1)])
        box.refuse_with = None
        with lonely.runtime.database.unit_of_work() as session:
            ctx = Context(lonely.runtime, session, "test")
            [row] = outbox.list_messages(ctx, instance_id=_instance_id(session, service.name))
            assert "550" in (row.last_error or "")
            outbox.retry(ctx, row.id)
        box.wait_for(to="queued0@example.com")
        wait(lambda: statuses(lonely, service) == [("sent", 1)])


def test_several_dispatchers_send_each_message_once(isolated: Isolated) -> None:
    with (
        smtp_server() as box,
        in_process_server(
            isolated.database_url,
            isolated.directory,
            None,  # type: ignore[attr-defined]
        ) as server,
    ):
        service = server.new_service("outbox-many")
        addresses = queue_mail(server, service, 12)
        settings = server.runtime.settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": box.port, "smtp_security": "none"}
        )
        runtime = type(server.runtime)(**{**server.runtime.__dict__, "settings": settings})

        async def race() -> list[int]:
            dispatchers = [Dispatcher(runtime, SmtpSender(settings)) for _ in range(3)]
            return list(await asyncio.gather(*(d.run_once() for d in dispatchers)))

        attempted = asyncio.run(race())
        assert sum(attempted) == 12
        box.wait_for(12)
        assert sorted(m.to for m in box.messages) == sorted(addresses)
        assert all(status == "sent" for status, _ in statuses(server, service))


def test_without_smtp_mail_waits_and_can_be_read(
    server: LiveServer, http: httpx.Client, service: ServiceRef
) -> None:
    body = {"properties": {"email": "reader@example.com", "firstName": "R", "lastName": "D"}}
    http.put(service.url("/users/reader"), params=V, json=body).raise_for_status()
    http.post(service.url("/users/reader/confirmations/password/send"), params=V).raise_for_status()
    listed = cli(server.env, "outbox", "list", "--status", "queued", "--json")
    assert listed.returncode == 0, listed.stderr
    [message] = [
        json.loads(line) for line in listed.stdout.splitlines() if "reader@example.com" in line
    ]
    assert message["template"] == "PasswordResetByAdminNotificationMessage"
    shown = cli(server.env, "outbox", "show", str(message["id"]))
    assert shown.returncode == 0, shown.stderr
    assert "To: reader@example.com" in shown.stdout
    assert f"/portal/{service.name}/reset-password?token=" in shown.stdout
    assert "Status: queued" in shown.stdout
    token = shown.stdout.split("reset-password?token=")[1].split()[0].strip(")")
    assert token not in server.log()


def test_outbox_run_sends_what_is_due(server: LiveServer, http: httpx.Client) -> None:
    service = create_service(http)
    body = {"properties": {"email": "batch@example.com", "firstName": "B", "lastName": "D"}}
    http.put(service.url("/users/batch"), params=V, json=body).raise_for_status()
    http.post(service.url("/users/batch/confirmations/password/send"), params=V).raise_for_status()
    with smtp_server() as box:
        env = {
            **server.env,
            "APIDESK_SMTP_HOST": "127.0.0.1",
            "APIDESK_SMTP_PORT": str(box.port),
            "APIDESK_SMTP_SECURITY": "none",
        }
        result = subprocess.run(
            [sys.executable, "-m", "apidesk", "outbox", "run", "--once"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        mail = box.wait_for(to="batch@example.com")
        assert len(mail) == 1


def test_mailbox_fixture_sanity(mailbox: Mailbox) -> None:
    assert mailbox.port > 0


@dataclass
class SlowMailbox(Mailbox):
    """Every delivery takes 20 seconds of the server's clock."""

    clock: ManualClock | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        assert self.clock is not None
        self.clock.advance(timedelta(seconds=20))
        await asyncio.sleep(0.05)  # long enough, in real time, for others to look meanwhile
        return await super().handle_DATA(server, session, envelope)


def test_slow_deliveries_are_not_taken_over(isolated: Isolated) -> None:
    """Each delivery takes 20 s of clock time, 400 s for all: longer than a lease. Two
    dispatchers still send each message once."""
    with in_process_server(
        isolated.database_url,
        isolated.directory,
        None,
    ) as server:
        service = server.new_service("outbox-slow")
        addresses = queue_mail(server, service, 20)
        with smtp_server(mailbox=SlowMailbox(port=free_port(), clock=server.clock)) as box:
            settings = server.runtime.settings.model_copy(
                update={"smtp_host": "127.0.0.1", "smtp_port": box.port, "smtp_security": "none"}
            )
            runtime = type(server.runtime)(**{**server.runtime.__dict__, "settings": settings})

            async def race() -> None:
                # Both run their real polling loop, as in two `serve` workers.
                dispatchers = [Dispatcher(runtime, SmtpSender(settings)) for _ in range(2)]
                for dispatcher in dispatchers:
                    await dispatcher.start()
                deadline = asyncio.get_running_loop().time() + 30
                while len(box.messages) < 20 and asyncio.get_running_loop().time() < deadline:
                    await asyncio.sleep(0.05)
                await asyncio.sleep(1)  # time for a duplicate to show up, if there were one
                for dispatcher in dispatchers:
                    await dispatcher.stop()

            asyncio.run(race())
            assert sorted(m.to for m in box.messages) == sorted(addresses)


def test_a_claim_taken_over_cannot_fail_the_message(isolated: Isolated) -> None:
    """A dispatcher whose lease ran out, and whose message another dispatcher claimed, reports
    a failure late: the message stays with the new claim instead of being queued again (which
    would send it a third time). A late success still counts: the message did go out."""
    with in_process_server(isolated.database_url, isolated.directory, None) as server:
        service = server.new_service("outbox-late")
        queue_mail(server, service, 2)
        lease = outbox.lease_for(server.runtime.settings.smtp_timeout_seconds)

        def claim() -> list[outbox.Envelope]:
            with server.runtime.database.unit_of_work() as session:
                return outbox.claim_due(Context(server.runtime, session, "test"), 2)

        def finish(envelope: outbox.Envelope, *, sent: bool) -> None:
            with server.runtime.database.unit_of_work() as session:
                ctx = Context(server.runtime, session, "test")
                if sent:
                    outbox.mark_sent(ctx, envelope.id)
                else:
                    outbox.mark_failed(ctx, envelope, "421 try later")

        first = claim()
        assert [e.attempts for e in first] == [1, 1]
        server.clock.advance(lease + timedelta(seconds=1))
        second = claim()
        assert [e.id for e in second] == [e.id for e in first]
        assert [e.attempts for e in second] == [2, 2]

        finish(first[0], sent=False)
        finish(first[1], sent=True)
        assert statuses(server, service) == [("sending", 2), ("sent", 2)]
        # Nothing is due: the message failed late is still the second claim's.
        assert claim() == []

        finish(second[0], sent=False)
        finish(second[1], sent=False)
        assert statuses(server, service) == [("queued", 2), ("sent", 2)]


def test_a_retried_message_is_not_failed_by_the_claim_before_the_retry(
    isolated: Isolated,
) -> None:
    """An operator retries a message stuck in `sending`: refused while its lease runs (that
    would send a second copy), accepted after. The fresh claim counts from attempt 1 again,
    yet the old claim's late failure is still told apart from it."""
    with in_process_server(isolated.database_url, isolated.directory, None) as server:
        service = server.new_service("outbox-retried")
        queue_mail(server, service, 1)
        lease = outbox.lease_for(server.runtime.settings.smtp_timeout_seconds)

        def run(step: Any) -> Any:
            with server.runtime.database.unit_of_work() as session:
                return step(Context(server.runtime, session, "test"))

        [old] = run(lambda ctx: outbox.claim_due(ctx, 1))
        with pytest.raises(Invalid) as refused:
            run(lambda ctx: outbox.retry(ctx, old.id))
        assert "being sent right now" in refused.value.problems[0].message
        server.clock.advance(lease + timedelta(seconds=1))
        run(lambda ctx: outbox.retry(ctx, old.id))
        [new] = run(lambda ctx: outbox.claim_due(ctx, 1))
        assert (new.id, new.attempts) == (old.id, old.attempts) == (old.id, 1)

        assert run(lambda ctx: outbox.mark_failed(ctx, old, "421 late")) == "sending"
        assert statuses(server, service) == [("sending", 1)]
        assert run(lambda ctx: outbox.mark_failed(ctx, new, "421 now")) == "queued"
        assert statuses(server, service) == [("queued", 1)]
