"""No message can stop the outbox: whatever fails while one is sent fails that attempt with its
error recorded, the attempt limit holds, and an operator's retry works. Internationalized
addresses go out with SMTPUTF8 where the server offers it, and fail for good, saying why,
where it does not; a sender address no server could take is refused when it is set."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from support.databases import Isolated
from support.inprocess import InProcessServer, in_process_server
from support.mailbox import Mailbox, smtp_server
from support.server import ServiceRef

from apidesk.domain.context import Context, Runtime
from apidesk.domain.notifications import outbox
from apidesk.mail.dispatcher import Dispatcher
from apidesk.mail.smtp import SmtpSender
from apidesk.storage.models import Instance, OutboxMessage

V = {"api-version": "2024-05-01"}
MAX_ATTEMPTS = 2


@pytest.fixture(scope="module")
def quiet(isolated: Isolated) -> Iterator[InProcessServer]:
    """A server without a dispatcher of its own: each test sends what is due itself."""
    with in_process_server(isolated.database_url, isolated.directory, None) as running:
        yield running


def send_due(server: InProcessServer, box: Mailbox) -> int:
    settings = server.runtime.settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": box.port,
            "smtp_security": "none",
            "outbox_max_attempts": MAX_ATTEMPTS,
        }
    )
    runtime = Runtime(**{**server.runtime.__dict__, "settings": settings})
    return asyncio.run(Dispatcher(runtime, SmtpSender(settings)).run_once())


def queue_reset_for(server: InProcessServer, shop: ServiceRef, user_id: str, email: str) -> int:
    """A user at `email` and a reset e-mail for them; the outbox message's id."""
    with server.client() as admin:
        body = {"properties": {"email": email, "firstName": "Ina", "lastName": "Intl"}}
        admin.put(shop.url(f"/users/{user_id}"), params=V, json=body).raise_for_status()
        admin.post(
            shop.url(f"/users/{user_id}/confirmations/password/send"), params=V
        ).raise_for_status()
    with server.runtime.database.unit_of_work(write=False) as session:
        instance_id = session.scalar(select(Instance.id).where(Instance.name == shop.name))
        return int(
            session.scalar(
                select(OutboxMessage.id)
                .where(OutboxMessage.instance_id == instance_id)
                .order_by(OutboxMessage.id.desc())
            )
            or 0
        )


def message(server: InProcessServer, message_id: int) -> OutboxMessage:
    with server.runtime.database.unit_of_work(write=False) as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        return row


def change(server: InProcessServer, message_id: int, **values: Any) -> None:
    with server.runtime.database.unit_of_work() as session:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
        )


_names = iter(range(1, 1_000_000))


@pytest.fixture
def shop(quiet: InProcessServer) -> ServiceRef:
    return quiet.new_service(f"poison-{next(_names)}")


def test_an_address_needing_smtputf8_goes_out_with_it_where_the_server_offers_it(
    quiet: InProcessServer, shop: ServiceRef
) -> None:
    address = "δοκιμή@example.com"
    sent = queue_reset_for(quiet, shop, "greek", address)
    with smtp_server(smtputf8=True) as box:
        send_due(quiet, box)
        [mail] = box.wait_for(rcpt=address)
    assert address in mail.to
    assert message(quiet, sent).status == outbox.SENT


def test_without_smtputf8_that_message_fails_for_good_saying_why(
    quiet: InProcessServer, shop: ServiceRef
) -> None:
    sent = queue_reset_for(quiet, shop, "greek", "δοκιμή@example.com")
    with smtp_server(smtputf8=False) as box:
        send_due(quiet, box)
        assert box.messages == []
    row = message(quiet, sent)
    assert (row.status, row.attempts) == (outbox.FAILED, 1)
    assert "SMTPUTF8" in (row.last_error or "")


def test_an_internationalized_domain_travels_in_its_ascii_spelling(
    quiet: InProcessServer, shop: ServiceRef
) -> None:
    queue_reset_for(quiet, shop, "books", "reader@bücher.example")
    with smtp_server(smtputf8=False) as box:
        send_due(quiet, box)
        [mail] = box.wait_for(rcpt="reader@xn--bcher-kva.example")
    assert "reader@xn--bcher-kva.example" in mail.to


def test_a_message_that_cannot_be_composed_fails_its_attempts_and_can_be_retried(
    quiet: InProcessServer, shop: ServiceRef
) -> None:
    poisoned = queue_reset_for(quiet, shop, "poison", "poison@example.com")
    # As an earlier release could have stored it: a From name no header can carry.
    change(quiet, poisoned, sender_name="Broken\r\nName")
    with smtp_server() as box:
        send_due(quiet, box)
        row = message(quiet, poisoned)
        assert (row.status, row.attempts) == (outbox.QUEUED, 1)
        assert "ValueError" in (row.last_error or "")
        quiet.clock.advance(timedelta(minutes=5))
        try:
            send_due(quiet, box)
            row = message(quiet, poisoned)
            assert (row.status, row.attempts) == (outbox.FAILED, MAX_ATTEMPTS)
            with quiet.runtime.database.unit_of_work() as session:
                outbox.retry(Context(quiet.runtime, session, "test"), poisoned)
            change(quiet, poisoned, sender_name="Fixed Name")
            send_due(quiet, box)
        finally:
            quiet.clock.reset()
        box.wait_for(rcpt="poison@example.com")
    assert message(quiet, poisoned).status == outbox.SENT


def test_an_attempt_that_never_finished_counts_toward_the_limit(
    quiet: InProcessServer, shop: ServiceRef
) -> None:
    stuck = queue_reset_for(quiet, shop, "stuck", "stuck@example.com")
    lapsed = quiet.clock.now() - timedelta(minutes=1)
    change(quiet, stuck, status=outbox.SENDING, lease_until=lapsed, attempts=MAX_ATTEMPTS)
    with smtp_server() as box:
        send_due(quiet, box)
        assert box.messages == []
    row = message(quiet, stuck)
    assert (row.status, row.attempts) == (outbox.FAILED, MAX_ATTEMPTS)
    assert "did not finish" in (row.last_error or "")


def test_a_message_that_cannot_be_opened_fails_and_the_queue_goes_on(
    quiet: InProcessServer, shop: ServiceRef
) -> None:
    sealed = queue_reset_for(quiet, shop, "sealed", "sealed@example.com")
    change(quiet, sealed, html_body="v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    behind = queue_reset_for(quiet, shop, "behind", "behind@example.com")
    with smtp_server() as box:
        send_due(quiet, box)
        box.wait_for(rcpt="behind@example.com")
    assert message(quiet, sealed).status == outbox.FAILED
    assert "cannot be opened" in (message(quiet, sealed).last_error or "")
    assert message(quiet, behind).status == outbox.SENT


@pytest.mark.parametrize("field", ["notificationSenderEmail", "publisherEmail"])
def test_a_sender_address_no_server_could_take_is_refused_when_set(
    quiet: InProcessServer, field: str
) -> None:
    with quiet.client() as admin:
        shop = quiet.new_service(f"sender-{field.lower()}")
        current = admin.get(shop.path, params=V).json()
        body = {**current, "properties": {**current["properties"], field: "δοκιμή@example.com"}}
        refused = admin.put(shop.path, params=V, json=body)
        assert refused.status_code == 400, refused.text
        assert field in refused.text
        body["properties"][field] = "noreply@bücher.example"
        assert admin.put(shop.path, params=V, json=body).status_code == 200
