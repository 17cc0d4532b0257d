"""The console's Audit log and Outbox pages: each shows its own instance only, and Retry
queues a failed e-mail again; every page says when no SMTP server sends the outbox."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select, update
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer
from support.mailbox import Mailbox
from support.server import ServiceRef

from apidesk.storage.models import Instance, OutboxMessage


def add(person: Person, shop: ServiceRef, email: str) -> httpx.Response:
    page = person.get(f"/console/{shop.name}/add-user")
    return person.submit(
        page, f"/console/{shop.name}/add-user", email=email, first_name="Rec", last_name="R"
    )


def test_the_audit_log_names_the_operator_and_filters(
    app: InProcessServer, shop: ServiceRef, person: Person
) -> None:
    email = signed_in_operator(app, person)
    assert add(person, shop, "rec@example.com").status_code == 303
    log = person.get(f"/console/{shop.name}/audit")
    assert log.status_code == 200
    assert f"<td>{email} (console)</td>" in log.text
    assert "<td>User created</td>" in log.text and "user.create<" not in log.text
    none = person.get(f"/console/{shop.name}/audit", action="user.delete")
    assert "No event matches." in none.text
    assert '<option value="user.delete" selected>User deleted</option>' in none.text
    mine = person.get(f"/console/{shop.name}/audit", actor=email, action="user.")
    assert "<td>User created</td>" in mine.text
    assert '<option value="user." selected>User: any</option>' in mine.text
    # A prefix no choice names (from an old link) stays chosen, and still filters.
    typed = person.get(f"/console/{shop.name}/audit", action="user.cr")
    assert "<td>User created</td>" in typed.text
    assert '<option value="user.cr" selected>Starting with “user.cr”</option>' in typed.text


def test_the_outbox_lists_this_instances_mail_and_retries_a_failed_one(
    app: InProcessServer, shop: ServiceRef, mailbox: Mailbox, person: Person
) -> None:
    other = app.new_service(f"other-{id(person) % 100000}")
    signed_in_operator(app, person)
    invite = person.get(f"/console/{shop.name}/invite-user")
    person.submit(
        invite,
        f"/console/{shop.name}/invite-user",
        email="out@example.com",
        first_name="Out",
        last_name="Box",
    )
    mailbox.wait_for(to="out@example.com")
    with app.runtime.database.unit_of_work() as session:
        instance_id = session.scalars(select(Instance.id).where(Instance.name == shop.name)).one()
        message_id = session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.instance_id == instance_id,
                OutboxMessage.to_address == "out@example.com",
            )
        ).one()
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status="failed", last_error="550 mailbox unavailable")
        )
    page = person.get(f"/console/{shop.name}/outbox")
    assert "out@example.com" in page.text and "550 mailbox unavailable" in page.text
    assert "out@example.com" not in person.get(f"/console/{other.name}/outbox").text
    # Another instance's page cannot retry this instance's message.
    foreign = person.get(f"/console/{other.name}/outbox")
    refused = person.submit(foreign, f"/console/{other.name}/outbox/{message_id}/retry")
    assert refused.status_code == 400 and "no outbox message" in refused.text
    odd = person.submit(foreign, f"/console/{other.name}/outbox/%C2%B2/retry")
    assert odd.status_code == 400 and "no outbox message" in odd.text
    action = re.findall(r'action="([^"]+/retry)"', page.text)
    assert action == [f"/console/{shop.name}/outbox/{message_id}/retry"]
    done = person.submit(page, action[0])
    assert done.status_code == 303 and done.headers["location"].endswith("done=retried")
    assert 'role="status">The message is queued to be sent again.' in person.follow(done).text
    mailbox.wait_for(2, to="out@example.com")


def test_every_page_says_when_no_smtp_server_sends_the_outbox(
    app: InProcessServer, shop: ServiceRef, person: Person, workspace_app: InProcessServer
) -> None:
    warning = "No e-mail leaves this deployment"
    signed_in_operator(app, person)  # this app sends through the test's SMTP server
    assert warning not in person.get(f"/console/{shop.name}/users").text
    unsent = workspace_app.new_service(f"{shop.name}-unsent")
    with workspace_app.portal() as client:
        operator = Person(client)
        signed_in_operator(workspace_app, operator)
        for page in ("users", "operators", "templates"):
            shown = operator.get(f"/console/{unsent.name}/{page}").text
            assert warning in shown and f'href="/console/{unsent.name}/outbox"' in shown
            # A compact strip that is a note, not the big warning box of before.
            assert '<p class="mail-off" role="note">' in shown and "notice warn" not in shown
