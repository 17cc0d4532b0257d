"""Anonymous portal forms are limited per client address, in the database, with a styled 429;
the forgot-password form pads its answer time on the event loop, never in a worker thread."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from support.databases import Isolated
from support.inprocess import InProcessServer, in_process_server
from support.portal import Browser
from support.server import ServiceRef

from apidesk.domain import throttle
from apidesk.portal.flows import FORGOT_ANSWER_SECONDS
from apidesk.storage.models import Instance, Throttle

LIMIT = 5


@pytest.fixture(scope="module")
def strict(isolated: Isolated) -> Iterator[InProcessServer]:
    """A portal that lets one address send only a few forms per window."""
    with in_process_server(
        isolated.database_url,
        isolated.directory,
        None,
        portal_forms_per_window=LIMIT,
    ) as running:
        yield running


_names = iter(range(1, 1_000_000))


@pytest.fixture
def portal_of(strict: InProcessServer) -> ServiceRef:
    return strict.new_service(f"forms-{next(_names)}")


def from_address(server: InProcessServer, address: str) -> Browser:
    # The test server trusts loopback as a proxy, as `apidesk serve` does by default.
    return Browser(server.portal(headers={"X-Forwarded-For": address}))


def post_confirm(browser: Browser, shop: ServiceRef) -> httpx.Response:
    page = browser.get(f"/portal/{shop.name}/signin")
    return browser.submit(page, f"/portal/{shop.name}/confirm-email", token="not-a-token")


def test_an_address_that_sends_too_many_forms_is_held_back_with_a_page(
    strict: InProcessServer, portal_of: ServiceRef
) -> None:
    browser = from_address(strict, "203.0.113.7")
    for _ in range(LIMIT):
        assert post_confirm(browser, portal_of).status_code != 429
    held = post_confirm(browser, portal_of)
    assert held.status_code == 429
    assert int(held.headers["Retry-After"]) > 0
    assert held.headers["content-type"].startswith("text/html")
    assert "Too many attempts" in held.text and "developer portal</a>" in held.text
    # Every form counts against the same share, sign-in included.
    page = browser.get(f"/portal/{portal_of.name}/signin")
    signin = browser.submit(
        page, f"/portal/{portal_of.name}/signin", email="a@example.com", password="whatever"
    )
    assert signin.status_code == 429


def test_other_addresses_are_not_held_back(strict: InProcessServer, portal_of: ServiceRef) -> None:
    noisy = from_address(strict, "198.51.100.1")
    for _ in range(LIMIT + 1):
        post_confirm(noisy, portal_of)
    quiet = from_address(strict, "198.51.100.2")
    assert post_confirm(quiet, portal_of).status_code == 410


def test_the_hold_lapses_with_the_window(strict: InProcessServer, portal_of: ServiceRef) -> None:
    browser = from_address(strict, "192.0.2.44")
    for _ in range(LIMIT + 1):
        post_confirm(browser, portal_of)
    assert post_confirm(browser, portal_of).status_code == 429
    strict.clock.advance(throttle.FORM_WINDOW + timedelta(seconds=1))
    try:
        assert post_confirm(browser, portal_of).status_code == 410
    finally:
        strict.clock.reset()


def test_the_count_lives_in_the_database(strict: InProcessServer, portal_of: ServiceRef) -> None:
    browser = from_address(strict, "192.0.2.99")
    for _ in range(3):
        post_confirm(browser, portal_of)
    with strict.runtime.database.unit_of_work(write=False) as session:
        count = session.scalar(
            select(Throttle.count)
            .join(Instance, Instance.id == Throttle.instance_id)
            .where(
                Instance.name_key == portal_of.name,
                Throttle.kind == throttle.PORTAL_FORM,
                Throttle.key == "192.0.2.99",
            )
        )
    assert count == 3


class Sleeps:
    """Every `time.sleep` any thread of this process makes, and every `asyncio.sleep` the
    portal awaits."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.blocking: list[tuple[str, float]] = []
        self.awaited: list[float] = []
        real_sleep, real_async_sleep = time.sleep, asyncio.sleep

        def sleep(seconds: float) -> None:
            self.blocking.append((threading.current_thread().name, seconds))
            real_sleep(seconds)

        async def async_sleep(seconds: float, result: Any = None) -> Any:
            if sys._getframe(1).f_globals.get("__name__", "").startswith("apidesk.portal"):
                self.awaited.append(seconds)
            return await real_async_sleep(seconds, result)

        monkeypatch.setattr(time, "sleep", sleep)
        monkeypatch.setattr(asyncio, "sleep", async_sleep)


def test_the_forgot_password_form_pads_its_answer_without_a_sleeping_thread(
    strict: InProcessServer, portal_of: ServiceRef, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = from_address(strict, "192.0.2.10")
    page = browser.get(f"/portal/{portal_of.name}/forgot-password")
    sleeps = Sleeps(monkeypatch)
    answered = browser.submit(
        page, f"/portal/{portal_of.name}/forgot-password", email="someone@example.com"
    )
    assert answered.status_code == 200
    assert "Check your e-mail" in answered.text
    assert sleeps.blocking == []
    assert len(sleeps.awaited) == 1 and 0 < sleeps.awaited[0] <= FORGOT_ANSWER_SECONDS


def sign_in_from(server: InProcessServer, shop: ServiceRef, **headers: str) -> httpx.Response:
    browser = from_address(server, "192.0.2.200")
    page = browser.get(f"/portal/{shop.name}/signin")
    match = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    return browser.client.post(
        f"/portal/{shop.name}/signin",
        data={"csrf": match, "email": "nobody@example.com", "password": "not this one"},
        headers=headers,
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/page"},
        {"Origin": "http://127.0.0.1:1"},
    ],
)
def test_a_form_from_another_origin_is_refused_even_with_the_token(
    strict: InProcessServer, portal_of: ServiceRef, headers: dict[str, str]
) -> None:
    refused = sign_in_from(strict, portal_of, **headers)
    assert refused.status_code == 403
    assert "another site" in refused.text


@pytest.mark.parametrize("header", ["Origin", "Referer"])
def test_a_form_from_the_portal_itself_goes_through(
    strict: InProcessServer, portal_of: ServiceRef, header: str
) -> None:
    own = strict.url if header == "Origin" else f"{strict.url}/portal/{portal_of.name}/signin"
    answered = sign_in_from(strict, portal_of, **{header: own})
    assert answered.status_code == 400  # the password is wrong, and that is all
    assert "password is wrong" in answered.text


def test_portal_pages_keep_their_referrer_to_themselves(
    strict: InProcessServer, portal_of: ServiceRef
) -> None:
    page = httpx.get(f"{strict.url}/portal/{portal_of.name}/signin")
    assert page.headers["referrer-policy"] == "same-origin"
