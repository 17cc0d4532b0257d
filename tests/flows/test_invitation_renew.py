"""Asking for a new invitation from a dead link: only the latest link of a still-pending invitee
may ask, asking is limited per invitee and per client address, and a used link says the
account is active and offers sign-in instead."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from support.databases import Isolated
from support.inprocess import InProcessServer, in_process_server
from support.mailbox import Mailbox
from support.portal import Browser, path_of
from support.server import ServiceRef

from apidesk.domain import throttle
from apidesk.domain.context import Context, InstanceContext
from apidesk.domain.instances import service as instances

V = {"api-version": "2024-05-01"}
PASSWORD = "a long and unguessable phrase"
LIFETIME = timedelta(hours=0.01)  # links die within a throttle window here


@pytest.fixture(scope="module")
def hasty(isolated: Isolated, mailbox: Mailbox) -> Iterator[InProcessServer]:
    with in_process_server(
        isolated.database_url, isolated.directory, mailbox.port, invitation_hours=0.01
    ) as running:
        yield running


_names = iter(range(1, 1_000_000))


@pytest.fixture
def shop(hasty: InProcessServer) -> Iterator[ServiceRef]:
    yield hasty.new_service(f"renew-{next(_names)}")
    hasty.clock.reset()


def invite(server: InProcessServer, shop: ServiceRef, user_id: str) -> str:
    email = f"{user_id}@{shop.name}.example"
    with server.client() as admin:
        response = admin.put(
            shop.url(f"/users/{user_id}"),
            params={**V, "notify": "true"},
            json={
                "properties": {
                    "email": email,
                    "firstName": "Rene",
                    "lastName": "Wal",
                    "confirmation": "invite",
                }
            },
        )
    assert response.status_code == 201, response.text
    return email


def links_to(mailbox: Mailbox, email: str, count: int = 1) -> list[str]:
    return [mail.link("invitation") for mail in mailbox.wait_for(count, to=email)]


def ask_again(browser: Browser, shop: ServiceRef, link: str) -> httpx.Response:
    """Ask for a new invitation with this link, whether or not its page offers the form."""
    page = browser.get(f"/portal/{shop.name}/signin")
    return browser.submit(page, f"/portal/{shop.name}/invitation/renew", token=link.rsplit("=")[-1])


def from_address(server: InProcessServer, address: str) -> Browser:
    return Browser(server.portal(headers={"X-Forwarded-For": address}))


def test_the_latest_expired_link_asks_for_a_new_one(
    hasty: InProcessServer, shop: ServiceRef, mailbox: Mailbox
) -> None:
    email = invite(hasty, shop, "late")
    [link] = links_to(mailbox, email)
    hasty.clock.advance(LIFETIME + timedelta(seconds=1))
    browser = from_address(hasty, "203.0.113.1")
    page = browser.get(path_of(link))
    assert page.status_code == 410 and "Send me a new invitation" in page.text
    asked = ask_again(browser, shop, link)
    assert asked.status_code == 200 and "new link is on its way" in asked.text
    links_to(mailbox, email, 2)


def test_a_replaced_link_says_so_and_sends_nothing(
    hasty: InProcessServer, shop: ServiceRef, mailbox: Mailbox
) -> None:
    email = invite(hasty, shop, "replaced")
    [old] = links_to(mailbox, email)
    with hasty.client() as admin:
        assert admin.post(shop.url("/users/replaced/invite"), params=V).status_code == 204
    links_to(mailbox, email, 2)
    browser = from_address(hasty, "203.0.113.2")
    page = browser.get(path_of(old))
    assert page.status_code == 410
    assert "most recent invitation" in page.text and "Send me a new" not in page.text
    hasty.clock.advance(LIFETIME + timedelta(seconds=1))
    # Even with every link expired, an old one may not ask.
    asked = ask_again(browser, shop, old)
    assert asked.status_code == 410 and "most recent invitation" in asked.text
    assert len(mailbox.to(email)) == 2


def test_a_used_link_says_the_account_is_active_and_offers_sign_in(
    hasty: InProcessServer, shop: ServiceRef, mailbox: Mailbox
) -> None:
    email = invite(hasty, shop, "used")
    [link] = links_to(mailbox, email)
    browser = from_address(hasty, "203.0.113.3")
    page = browser.get(path_of(link))
    accepted = browser.submit(
        page,
        f"/portal/{shop.name}/invitation",
        token=link.rsplit("=")[-1],
        password=PASSWORD,
        confirm=PASSWORD,
    )
    assert accepted.status_code == 303
    used = browser.get(path_of(link))
    assert used.status_code == 410
    assert "your account is active" in used.text
    assert f'href="/portal/{shop.name}/signin"' in used.text
    assert "Send me a new" not in used.text
    asked = ask_again(browser, shop, link)
    assert "your account is active" in asked.text
    assert len(mailbox.to(email)) == 1


def test_new_invitations_for_one_invitee_are_limited(
    hasty: InProcessServer, shop: ServiceRef, mailbox: Mailbox
) -> None:
    email = invite(hasty, shop, "eager")
    [link] = links_to(mailbox, email)
    browser = from_address(hasty, "203.0.113.4")
    for sent in range(2, throttle.RENEWALS_PER_HOUR + 2):
        hasty.clock.advance(LIFETIME + timedelta(seconds=1))
        assert ask_again(browser, shop, link).status_code == 200
        link = links_to(mailbox, email, sent)[-1]
    hasty.clock.advance(LIFETIME + timedelta(seconds=1))
    held = ask_again(browser, shop, link)
    assert held.status_code == 429
    assert len(mailbox.to(email)) == throttle.RENEWALS_PER_HOUR + 1


def test_new_invitations_asked_from_one_address_are_limited(
    hasty: InProcessServer, shop: ServiceRef, mailbox: Mailbox
) -> None:
    invitees = [invite(hasty, shop, f"crowd{n}") for n in range(3)]
    links = {email: links_to(mailbox, email)[0] for email in invitees}
    hasty.clock.advance(LIFETIME + timedelta(seconds=1))
    busy = from_address(hasty, "198.51.100.77")
    with hasty.runtime.database.unit_of_work() as session:
        # The address has asked for its share for the hour already, for other invitees.
        ctx = Context(hasty.runtime, session, "test")
        instance = instances.find_by_name(ctx, shop.name)
        assert instance is not None
        ictx = InstanceContext.of(ctx, instance)
        for n in range(throttle.RENEWALS_FROM_ONE_ADDRESS_PER_HOUR):
            throttle.allow_invitation_renewal(ictx, f"someone-else-{n}", "198.51.100.77")
    held = ask_again(busy, shop, links[invitees[0]])
    assert held.status_code == 429
    other = from_address(hasty, "198.51.100.78")
    assert ask_again(other, shop, links[invitees[1]]).status_code == 200
    assert len(mailbox.to(invitees[0])) == 1
    links_to(mailbox, invitees[1], 2)
