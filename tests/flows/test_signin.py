"""Portal sign-in: who may, single sign-on links, CSRF, and sessions that end with a block."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update
from support.inprocess import InProcessServer
from support.portal import Browser
from support.server import ServiceRef

from apidesk.domain import throttle
from apidesk.domain.users import repository
from apidesk.storage.models import User

V = {"api-version": "2024-05-01"}
PASSWORD = "correct horse battery staple"


def make_user(admin: httpx.Client, shop: ServiceRef, user_id: str, **extra: str) -> str:
    email = f"{user_id}@example.com"
    body = {
        "properties": {
            "email": email,
            "firstName": "Sia",
            "lastName": "Signin",
            "password": PASSWORD,
            **extra,
        }
    }
    admin.put(shop.url(f"/users/{user_id}"), params=V, json=body).raise_for_status()
    return email


def sign_in(browser: Browser, shop: ServiceRef, email: str, password: str) -> httpx.Response:
    page = browser.get(f"/portal/{shop.name}/signin")
    return browser.submit(page, f"/portal/{shop.name}/signin", email=email, password=password)


def home(browser: Browser, shop: ServiceRef) -> str:
    return browser.get(f"/portal/{shop.name}/").text


def test_active_user_signs_in_and_out(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    email = make_user(admin, shop, "sia")
    response = sign_in(browser, shop, email.upper(), PASSWORD)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert (
        "HttpOnly" in cookie and "SameSite=lax" in cookie and f"Path=/portal/{shop.name}" in cookie
    )
    assert "signed in as <strong>sia@example.com</strong>" in home(browser, shop)
    page = browser.get(f"/portal/{shop.name}/")
    assert browser.submit(page, f"/portal/{shop.name}/signout").status_code == 303
    assert "signed in" not in home(browser, shop)


def test_wrong_password_and_unknown_user_look_alike(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    email = make_user(admin, shop, "alike")
    wrong = sign_in(browser, shop, email, PASSWORD + "!")
    unknown = sign_in(browser, shop, "nobody@example.com", PASSWORD)
    assert wrong.status_code == unknown.status_code == 400
    assert "The e-mail address or the password is wrong." in wrong.text
    assert "The e-mail address or the password is wrong." in unknown.text


def test_blocked_and_pending_users_cannot_sign_in(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    blocked = make_user(admin, shop, "blocked", state="blocked")
    pending = make_user(admin, shop, "pending", state="pending")
    assert sign_in(browser, shop, blocked, PASSWORD).status_code == 403
    assert sign_in(browser, shop, pending, PASSWORD).status_code == 403
    assert "signed in" not in home(browser, shop)


@pytest.mark.parametrize("state", ["blocked", "pending"])
def test_only_the_right_password_learns_that_an_account_is_blocked_or_pending(
    admin: httpx.Client, shop: ServiceRef, browser: Browser, state: str
) -> None:
    email = make_user(admin, shop, f"hint-{state}", state=state)
    right = sign_in(browser, shop, email, PASSWORD)
    wrong = sign_in(browser, shop, email, PASSWORD + " but wrong")
    unknown = sign_in(browser, shop, f"nobody-{state}@example.com", PASSWORD)
    message = "account is blocked" if state == "blocked" else "not active yet"
    assert right.status_code == 403 and message in right.text
    # A guess at the password tells nobody that the address has an account, nor its state.
    assert wrong.status_code == unknown.status_code == 400
    assert message not in wrong.text
    assert wrong.text.replace(email, "X") == unknown.text.replace(
        f"nobody-{state}@example.com", "X"
    )


def test_blocking_ends_a_signed_in_session(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    email = make_user(admin, shop, "later")
    sign_in(browser, shop, email, PASSWORD)
    assert "signed in" in home(browser, shop)
    admin.patch(
        shop.url("/users/later"),
        params=V,
        headers={"If-Match": "*"},
        json={"properties": {"state": "blocked"}},
    ).raise_for_status()
    assert "signed in" not in home(browser, shop)


def test_forms_without_the_csrf_token_are_refused(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    email = make_user(admin, shop, "csrf")
    browser.get(f"/portal/{shop.name}/signin")
    forged = browser.client.post(
        f"/portal/{shop.name}/signin", data={"email": email, "password": PASSWORD, "csrf": "x"}
    )
    assert forged.status_code == 403  # as every portal form without its token
    assert "signed in" not in home(browser, shop)


def test_sso_url_signs_the_user_in_until_the_key_rotates(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    make_user(admin, shop, "sso")
    url = admin.post(shop.url("/users/sso/generateSsoUrl"), params=V).json()["value"]
    parts = urlsplit(url)
    assert parts.netloc == urlsplit(app.url).netloc
    response = browser.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 303
    assert "signed in as <strong>sso@example.com</strong>" in home(browser, shop)

    stale = admin.post(shop.url("/users/sso/generateSsoUrl"), params=V).json()["value"]
    admin.post(shop.url("/tenant/access/regeneratePrimaryKey"), params=V).raise_for_status()
    with app.portal() as fresh:
        refused = fresh.get(f"{urlsplit(stale).path}?{urlsplit(stale).query}")
        assert refused.status_code == 401


def test_sso_return_url_stays_on_the_portal(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    make_user(admin, shop, "ret")
    url = admin.post(shop.url("/users/ret/generateSsoUrl"), params=V).json()["value"]
    parts = urlsplit(url)
    away = browser.get(f"{parts.path}?{parts.query}&returnUrl=https://evil.example/")
    assert away.headers["location"] == f"/portal/{shop.name}/"


def test_blocked_user_sso_is_refused(
    app: InProcessServer, admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    make_user(admin, shop, "ssob", state="blocked")
    url = admin.post(shop.url("/users/ssob/generateSsoUrl"), params=V).json()["value"]
    parts = urlsplit(url)
    assert browser.get(f"{parts.path}?{parts.query}").status_code == 401


def test_unknown_service_is_404(browser: Browser) -> None:
    assert browser.get("/portal/no-such-service/signin").status_code == 404


def test_repeated_failures_slow_down_guessing_but_not_the_owner_later(
    app: InProcessServer,
    admin: httpx.Client,
    shop: ServiceRef,
    browser: Browser,
    other_browser: Browser,
) -> None:
    email = make_user(admin, shop, "guessed")
    for _ in range(5):
        assert sign_in(browser, shop, email, "not the password").status_code == 400
    # The sixth failure starts a wait; while it lasts even the right password is held back,
    # so a guesser learns nothing from the answer.
    assert sign_in(browser, shop, email, "still not it").status_code == 400
    held = sign_in(browser, shop, email, PASSWORD)
    assert held.status_code == 429
    assert "Too many failed sign-ins" in held.text
    app.clock.advance(timedelta(seconds=1))
    assert sign_in(browser, shop, email, "wrong again").status_code == 400
    # Each further failure doubles the wait: now two seconds.
    app.clock.advance(timedelta(seconds=1))
    assert sign_in(browser, shop, email, PASSWORD).status_code == 429
    app.clock.advance(timedelta(seconds=1))
    assert sign_in(browser, shop, email, PASSWORD).status_code == 303
    # A good sign-in clears the count: the next mistake costs nothing yet.
    assert sign_in(other_browser, shop, email, "one slip").status_code == 400
    assert sign_in(other_browser, shop, email, PASSWORD).status_code == 303


def stand_still(app: InProcessServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's clock moves only when the test advances it: the waits tested last seconds,
    and a busy machine can take longer than that between two requests."""
    start = app.clock.now() - app.clock._offset
    monkeypatch.setattr(app.clock, "now", lambda: start + app.clock._offset)


def test_waits_double_up_to_a_quarter_hour_and_are_per_address(
    app: InProcessServer,
    admin: httpx.Client,
    shop: ServiceRef,
    browser: Browser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stand_still(app, monkeypatch)
    target = make_user(admin, shop, "target")
    bystander = make_user(admin, shop, "bystander")
    for _ in range(5):
        assert sign_in(browser, shop, target, "guess").status_code == 400
    wait = 1
    for _ in range(12):
        # Right after each wait has passed a guess is answered again, and starts the next one.
        assert sign_in(browser, shop, target.upper(), "guess").status_code == 400
        assert sign_in(browser, shop, target, PASSWORD).status_code == 429
        assert sign_in(browser, shop, bystander, PASSWORD).status_code == 303
        app.clock.advance(timedelta(seconds=min(wait, 900) - 1))
        assert sign_in(browser, shop, target, PASSWORD).status_code == 429
        app.clock.advance(timedelta(seconds=1))
        wait *= 2
    assert wait > 900 * 4
    # A patient guesser is not forgiven by the hour passing: waits stay at a quarter hour.
    assert sign_in(browser, shop, target, "guess").status_code == 400
    app.clock.advance(timedelta(minutes=15) - timedelta(seconds=1))
    assert sign_in(browser, shop, target, PASSWORD).status_code == 429
    app.clock.advance(timedelta(seconds=1))
    assert sign_in(browser, shop, target, PASSWORD).status_code == 303


def test_concurrent_failures_all_count(
    app: InProcessServer,
    admin: httpx.Client,
    shop: ServiceRef,
    browser: Browser,
    other_browser: Browser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twenty wrong passwords at once for a new address: each is answered (none fails on the
    counter they all create), every failure counts, and once the sixth has blocked the
    address the guesses still in flight are held back rather than judged."""
    email = make_user(admin, shop, "stampede")
    # The first block lasts a second, and the guesses wait their turn for argon2 (a few at a
    # time): on a busy machine the last could come after it lapsed.
    stand_still(app, monkeypatch)
    page = browser.get(f"/portal/{shop.name}/signin")

    def guess(n: int) -> int:
        action = f"/portal/{shop.name}/signin"
        return browser.submit(page, action, email=email, password=f"guess {n}").status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(guess, range(20)))
    assert set(answers) <= {400, 429} and answers.count(400) == 6, answers
    assert sign_in(other_browser, shop, email, PASSWORD).status_code == 429


def test_a_guess_checked_before_the_block_is_still_held_back(
    app: InProcessServer,
    admin: httpx.Client,
    shop: ServiceRef,
    browser: Browser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A right guess whose password check began before the address was blocked (the first,
    unlocked look at the counter saw nothing) is still refused when its outcome is written."""
    email = make_user(admin, shop, "inflight")
    for _ in range(6):
        assert sign_in(browser, shop, email, "wrong").status_code == 400
    real_wait = throttle.wait

    def first_look_sees_nothing(*args: object, lock: bool = False) -> timedelta | None:
        return real_wait(*args, lock=lock) if lock else None  # type: ignore[arg-type]

    monkeypatch.setattr(throttle, "wait", first_look_sees_nothing)
    assert sign_in(browser, shop, email, PASSWORD).status_code == 429
    monkeypatch.undo()
    app.clock.advance(timedelta(seconds=1))
    assert sign_in(browser, shop, email, PASSWORD).status_code == 303


def test_a_password_replaced_during_the_check_does_not_sign_in(
    app: InProcessServer,
    admin: httpx.Client,
    shop: ServiceRef,
    browser: Browser,
    other_browser: Browser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The old password is checked while a reset sets a new one: the sign-in that checked the
    old password does not go through, and the new password works."""
    email = make_user(admin, shop, "replaced")
    real_find = repository.credentials_by_email

    def find_then_reset(ctx: object, key: str) -> object:
        found = real_find(ctx, key)  # type: ignore[arg-type]
        with app.client() as other:
            other.patch(
                shop.url("/users/replaced"),
                params=V,
                headers={"If-Match": "*"},
                json={"properties": {"password": "a brand new passphrase"}},
            ).raise_for_status()
        return found

    monkeypatch.setattr(repository, "credentials_by_email", find_then_reset)
    refused = sign_in(browser, shop, email, PASSWORD)
    monkeypatch.undo()
    assert refused.status_code == 400
    assert "signed in" not in home(browser, shop)
    assert sign_in(other_browser, shop, email, "a brand new passphrase").status_code == 303


def test_a_first_failure_slow_to_commit_still_holds_back_the_burst(
    admin: httpx.Client, shop: ServiceRef, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nine wrong guesses at once for an address with no count yet. The first one to be
    written takes its time (as on a busy database): the others must wait for it rather than
    be judged against a counter that does not exist yet, so only six are judged."""
    email = make_user(admin, shop, "burst")
    page = browser.get(f"/portal/{shop.name}/signin")
    real_failed = throttle.failed_sign_in
    first = threading.Event()

    def slow_first(ctx: Any, key: str) -> None:
        if not first.is_set():
            first.set()
            time.sleep(1)
        real_failed(ctx, key)

    monkeypatch.setattr(throttle, "failed_sign_in", slow_first)

    def guess(n: int) -> int:
        action = f"/portal/{shop.name}/signin"
        return browser.submit(page, action, email=email, password=f"wrong {n}").status_code

    with ThreadPoolExecutor(max_workers=9) as pool:
        answers = list(pool.map(guess, range(9)))
    assert sorted(answers) == [400] * 6 + [429] * 3, answers


def test_a_hash_upgraded_by_a_parallel_sign_in_does_not_refuse_the_right_password(
    app: InProcessServer,
    admin: httpx.Client,
    shop: ServiceRef,
    browser: Browser,
    other_browser: Browser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The stored hash has weaker settings than today's, so a good sign-in stores a new hash
    of the same password. Another sign-in checked against the old hash meanwhile is still
    right: an upgraded hash is not a changed password."""
    email = make_user(admin, shop, "upgraded")
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    with app.runtime.database.unit_of_work() as session:
        session.execute(update(User).where(User.name == "upgraded").values(password_hash=weak))
    real_find = repository.credentials_by_email
    other: list[int] = []
    started = threading.Event()

    def find_then_sign_in_elsewhere(ctx: Any, key: str) -> Any:
        found = real_find(ctx, key)
        if not started.is_set():
            started.set()  # the sign-in made here passes through this function too
            other.append(sign_in(other_browser, shop, email, PASSWORD).status_code)
        return found

    monkeypatch.setattr(repository, "credentials_by_email", find_then_sign_in_elsewhere)
    first = sign_in(browser, shop, email, PASSWORD)
    monkeypatch.undo()
    assert other == [303]
    assert first.status_code == 303, first.text
    with app.runtime.database.unit_of_work(write=False) as session:
        stored = session.scalar(select(User.password_hash).where(User.name == "upgraded"))
    assert stored != weak and not app.runtime.passwords.needs_rehash(stored)
