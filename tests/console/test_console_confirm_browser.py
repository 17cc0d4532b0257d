"""Every "are you sure" panel of the console (one macro, `confirm_panel` in macros.html) in
Debian's chromium against a live `apidesk serve`: each is a region named by its question,
right under the page's title, with two controls on one row: a red button whose verb names
the action, which does the thing, and a Cancel link, which leaves everything as it was.
axe-core on each panel's page. SQLite only; the HTTP-level tests beside this file post the
same forms on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect
from support import catalog
from support.browser import checked, operator_console, operator_link
from support.server import LiveServer, ServiceRef, create_service, sqlite_live_server

TEMPLATE = "NewDeveloperNotificationMessage"
OTHER = f"other-{uuid.uuid4().hex[:6]}@example.com"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with sqlite_live_server(tmp_path_factory.mktemp("console-confirm-browser")) as server:
        yield server


@pytest.fixture(scope="module")
def shop(live: LiveServer) -> ServiceRef:
    with live.client() as http:
        service = create_service(http)
        catalog.user(http, service, "leaver", firstName="Lee", lastName="Leaver")
        catalog.user(http, service, "forgetful", firstName="Fay", lastName="Forgetful")
        catalog.put(http, service, "/groups/leaving", {"displayName": "Leaving"})
        catalog.api(http, service, "retired", "retired")
        catalog.product(http, service, "bronze", "retired")
        catalog.subscription(http, service, "fay-bronze", "/products/bronze", owner="forgetful")
        catalog.product(http, service, "silver", "retired")
        catalog.subscription(http, service, "fay-silver", "/products/silver", owner="forgetful")
        return service


@pytest.fixture(scope="module")
def page(live: LiveServer, browser: Any) -> Iterator[Any]:
    """A deployment-wide operator (the Operators page is theirs), signed in; and another."""
    operator_link(live, OTHER)
    with operator_console(browser, live, viewport={"width": 1280, "height": 900}) as tab:
        yield tab


@dataclass(frozen=True)
class Panel:
    """Where a panel is asked for, its question and controls, and what its verb says it did;
    `inside` names the subsection a panel sits in (a question about one of its settings),
    where the others sit under the page's title."""

    path: str
    ask: Callable[[Any], None]
    question: str
    done: str
    verb: str
    cancel: str = "Cancel"
    before: Callable[[Any, str], None] | None = None
    choose: str | None = None  # a checkbox of the panel's to tick before its verb
    inside: str | None = None


def _button(name: str) -> Callable[[Any], None]:
    return lambda page: page.get_by_role("button", name=name, exact=True).click()


def _link(name: str) -> Callable[[Any], None]:
    return lambda page: page.get_by_role("link", name=name, exact=True).click()


def _customize(page: Any, here: str) -> None:
    page.goto(here)
    page.get_by_label("Subject").fill("A custom subject")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("The changes were saved.")


PANELS = {
    "user-delete": Panel(
        "users/leaver",
        _link("Delete"),
        "Delete Lee Leaver (leaver@example.com)?",
        "The user was deleted.",
        verb="Delete",
    ),
    "user-reset": Panel(
        "users/forgetful",
        _link("Reset password"),
        "Send a password reset e-mail to forgetful@example.com?",
        "A password reset e-mail is queued to be sent.",
        verb="Send reset e-mail",
    ),
    "admin-block": Panel(
        "users/1",
        _link("Block"),
        "Block Administrator (",
        "The user is blocked.",
        verb="Block",
    ),
    "group-delete": Panel(
        "groups/leaving",
        _button("Delete"),
        "Delete the group Leaving?",
        "The group was deleted.",
        verb="Delete",
    ),
    "product-delete": Panel(
        "products/bronze",
        _button("Delete"),
        "Delete the product bronze?",
        "The product was deleted.",
        verb="Delete",
        choose="Delete subscriptions",
    ),
    "api-delete": Panel(
        "apis/retired",
        _button("Delete"),
        "Delete the API retired?",
        "The API was deleted.",
        verb="Delete",
    ),
    "template-restore": Panel(
        f"templates/{TEMPLATE}",
        _button("Restore default"),
        "Restore the built-in text of",
        "The template is back to its built-in text.",
        verb="Restore built-in text",
        before=_customize,
    ),
    "operator-remove": Panel(
        "operators",
        _button(f"Remove {OTHER}"),
        f"Remove the operator {OTHER}?",
        "The operator was removed; their sessions have ended.",
        verb="Remove",
    ),
    "signup-key": Panel(
        "signup-settings",
        _button("Generate new key"),
        "Replace the validation key?",
        "A new validation key is in place; signatures made with the old one fail.",
        verb="Replace key",
        inside="delegation",
    ),
    "key-regenerate": Panel(
        "subscriptions/fay-silver",
        _button("Regenerate primary key"),
        "Regenerate the primary key?",
        "A new primary key is in place; the old one no longer works.",
        verb="Regenerate",
    ),
    # The one whose verb is itself "Cancel ...": its way out says what it keeps.
    "subscription-cancel": Panel(
        "subscriptions/fay-silver",
        _button("Cancel subscription"),
        "Cancel the subscription fay-silver?",
        "The subscription is cancelled.",
        verb="Cancel subscription",
        cancel="Keep subscription",
    ),
}

# Where the panel sits: the id of the section it is in, or that it follows the title.
PLACE = """e => e.previousElementSibling && e.previousElementSibling.classList.contains('headline')
    ? 'title' : (e.closest('section:not(.confirm)') || {}).id"""


@pytest.mark.parametrize("name", PANELS)
def test_a_confirmation_panel_asks_and_cancels_and_confirms(
    page: Any, shop: ServiceRef, name: str
) -> None:
    panel = PANELS[name]
    here = f"/console/{shop.name}/{panel.path}"
    if panel.before:
        panel.before(page, here)
    page.goto(here)
    panel.ask(page)
    region = page.get_by_role("region", name=panel.question)
    expect(region).to_be_visible()
    expect(region.get_by_role("heading", name=panel.question)).to_be_visible()
    assert region.evaluate(PLACE) == (panel.inside or "title")
    verb = region.get_by_role("button", name=panel.verb, exact=True)
    cancel = region.get_by_role("link", name=panel.cancel, exact=True)
    red = verb.evaluate("e => getComputedStyle(e).backgroundColor")
    assert red == "rgb(162, 28, 28)", red  # --bad: every question so far ends something
    one, two = verb.bounding_box(), cancel.bounding_box()
    assert one and two and abs(one["y"] - two["y"]) < 2 and one["x"] < two["x"], (one, two)
    checked(page, f"console-confirm-{name}")

    cancel.click()
    expect(page.get_by_role("region", name=panel.question)).to_have_count(0)
    expect(page.get_by_role("status")).to_have_count(0)
    # Nothing was done: the panel can be asked for again from the same page.
    page.goto(here)
    panel.ask(page)
    region = page.get_by_role("region", name=panel.question)
    if panel.choose:
        region.get_by_label(panel.choose).check()
    region.get_by_role("button", name=panel.verb, exact=True).click()
    expect(page.get_by_role("status")).to_have_text(panel.done)
    expect(page.get_by_role("region", name=panel.question)).to_have_count(0)
