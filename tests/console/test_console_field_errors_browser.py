"""Field errors on the console's Users forms in Debian's chromium, found as a screen reader
finds them: the field by its label, invalid, described by its own error (and the password's
by the policy's rules, stated before anyone is refused), and the error summary at the top of
the page, whose links (each named by its error) take the reader to their fields. axe-core on
each page. Beside them, the Users pages' other controls as a screen reader and the eye find
them: the user's actions a group, and the filter bars' labels and controls in line.

The forms' markup is checked on its own (rendered by the console's templates, loaded into
the browser), and the same against a live `apidesk serve`, whose password policy asks for 12
characters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from playwright.sync_api import expect
from support import catalog
from support.browser import checked, operator_console, screenshot
from support.server import LiveServer, ServiceRef, create_service, sqlite_live_server

from apidesk.console import base as console_base
from apidesk.console.base import PAGES
from apidesk.security.passwords import PasswordPolicy
from apidesk.web import wording

CSS = Path(console_base.__file__).parent.parent / "web" / "static" / "apidesk.css"
MIN_LENGTH = 12
TAKEN = "A user with the e-mail address 'taken@example.com' already exists in this service."


def summary_leads_to_the_fields(page: Any, errors: dict[str, str]) -> None:
    """The error summary (the page's alert) has its lead and one link for each field error of
    `errors` (the field's label -> its error), named by the error; following a link puts the
    focus on its field."""
    summary = page.get_by_role("alert")
    expect(summary).to_have_accessible_name("There is a problem")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary.get_by_role("link")).to_have_count(len(errors))
    for label, message in errors.items():
        summary.get_by_role("link", name=message, exact=True).click()
        expect(page.get_by_label(label)).to_be_focused()


def test_the_rendered_form_marks_each_named_field_for_a_screen_reader(browser: Any) -> None:
    instance = SimpleNamespace(name="shop", id=1)
    rules = wording.password_rules(PasswordPolicy(min_length=MIN_LENGTH))
    html = PAGES.get_template("users/add.html").render(
        base="/console",
        static="/console/static",
        csrf="token",
        instance=instance,
        operator=SimpleNamespace(email="me@example.com", instance_id=None),
        services=[instance],
        section="users",
        values={"email": "ada@example", "first_name": "", "last_name": "Lovelace"},
        error="Email is not a valid address. First name is required.",
        field_errors={
            "email": "Email is not a valid address.",
            "first_name": "First name is required.",
        },
        password_rules=rules,
    )
    # The page's own stylesheet inline: set_content has no server to fetch it from.
    html = re.sub(r'<link rel="stylesheet"[^>]*>', f"<style>{CSS.read_text()}</style>", html)
    html = re.sub(r"<script [^>]*></script>", "", html)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_content(html)
        email = page.get_by_label("Email")
        expect(email).to_have_attribute("aria-invalid", "true")
        expect(email).to_have_accessible_description("Email is not a valid address.")
        first = page.get_by_label("First name")
        expect(first).to_have_attribute("aria-invalid", "true")
        expect(first).to_have_accessible_description("First name is required.")
        last = page.get_by_label("Last name")
        expect(last).not_to_have_attribute("aria-invalid", "true")
        expect(last).to_have_accessible_description("")
        password = page.get_by_label("Password")
        expect(password).not_to_have_attribute("aria-invalid", "true")
        expect(password).to_have_accessible_description(re.compile(f"^{re.escape(rules)} "))
        summary_leads_to_the_fields(
            page,
            {
                "Email": "Email is not a valid address.",
                "First name": "First name is required.",
            },
        )
        # The error sits between the label and the field, in the colour of errors.
        label_box = page.locator("label[for=email]").bounding_box()
        error_box = page.locator("#email-error").bounding_box()
        field_box = email.bounding_box()
        assert label_box and error_box and field_box
        assert label_box["y"] < error_box["y"] < field_box["y"]
        colour = page.locator("#email-error").evaluate("e => getComputedStyle(e).color")
        assert colour == "rgb(162, 28, 28)"
        checked(page, "console-add-user-field-errors-rendered")
    finally:
        context.close()


# Against a live server ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with sqlite_live_server(
        tmp_path_factory.mktemp("console-field-errors-browser"), password_min_length=str(MIN_LENGTH)
    ) as server:
        yield server


@pytest.fixture(scope="module")
def shop(live: LiveServer) -> ServiceRef:
    with live.client() as http:
        service = create_service(http)
        catalog.user(http, service, "taken", email="taken@example.com")
        catalog.user(http, service, "edited", email="edited@example.com")
        return service


@pytest.fixture(scope="module")
def console(live: LiveServer, browser: Any) -> Iterator[Any]:
    with operator_console(browser, live, viewport={"width": 1280, "height": 900}) as page:
        expect(page.get_by_role("status")).to_contain_text("Your password is set")
        yield page


def fill_new_user(page: Any, shop: ServiceRef, email: str, form: str = "add-user") -> None:
    page.goto(f"/console/{shop.name}/{form}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("First name").fill("Rita")
    page.get_by_label("Last name").fill("Refused")


def test_the_password_rules_are_shown_before_anyone_is_refused(
    console: Any, shop: ServiceRef
) -> None:
    console.goto(f"/console/{shop.name}/add-user")
    password = console.get_by_label("Password")
    expect(password).to_have_accessible_description(re.compile(f"{MIN_LENGTH} to 256 characters"))
    checked(console, "console-add-user-rules")


def test_a_short_password_marks_the_password_field(console: Any, shop: ServiceRef) -> None:
    fill_new_user(console, shop, "rita@example.com")
    console.get_by_label("Password").fill("x" * (MIN_LENGTH - 1))
    console.get_by_role("button", name="Add", exact=True).click()
    said = f"The password must be at least {MIN_LENGTH} characters long."
    expect(console.get_by_role("alert")).to_have_text(f"There is a problem {said}")
    password = console.get_by_label("Password")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description(re.compile(f"^{re.escape(said)}"))
    expect(console.get_by_label("Email")).not_to_have_attribute("aria-invalid", "true")
    expect(console.get_by_label("Email")).to_have_value("rita@example.com")
    checked(console, "console-add-user-field-errors")
    summary_leads_to_the_fields(console, {"Password": said})


@pytest.mark.parametrize("form", ["add-user", "invite-user"])
def test_a_taken_address_marks_the_email_field(console: Any, shop: ServiceRef, form: str) -> None:
    fill_new_user(console, shop, "taken@example.com", form)
    console.get_by_role("button", name=re.compile("^(Add|Send invitation)$")).click()
    email = console.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("taken@example.com' already exists"))
    expect(console.get_by_label("First name")).not_to_have_attribute("aria-invalid", "true")
    checked(console, f"console-{form}-taken")
    summary_leads_to_the_fields(console, {"Email": TAKEN})


def test_the_edit_form_marks_the_field_it_refuses(console: Any, shop: ServiceRef) -> None:
    console.goto(f"/console/{shop.name}/users/edited/edit")
    console.get_by_label("Email").fill("taken@example.com")
    console.get_by_role("button", name="Save").click()
    email = console.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("already exists"))
    checked(console, "console-edit-user-taken")
    summary_leads_to_the_fields(console, {"Email": TAKEN})


def test_the_users_actions_are_a_group(console: Any, shop: ServiceRef) -> None:
    # Not a toolbar: a toolbar promises arrow keys between its controls, and these are reached
    # with Tab like any others.
    console.goto(f"/console/{shop.name}/users/edited")
    actions = console.get_by_role("group", name="User actions")
    expect(actions.get_by_role("button", name="Block", exact=True)).to_be_visible()
    for link in ("Edit", "Reset password", "Delete"):
        expect(actions.get_by_role("link", name=link, exact=True)).to_be_visible()
    expect(console.get_by_role("toolbar")).to_have_count(0)
    checked(console, "console-user-actions")


@pytest.mark.parametrize(
    ("page", "role", "name"),
    [
        ("users", "search", "Users"),
        ("audit", "search", "Audit log"),
        ("outbox", "form", "Outbox filter"),
        ("subscriptions", "form", "Subscription filter"),
    ],
)
def test_a_filter_bars_labels_and_controls_line_up(
    console: Any, shop: ServiceRef, page: str, role: str, name: str
) -> None:
    console.goto(f"/console/{shop.name}/{page}")
    bar = console.get_by_role(role, name=name)
    labels = boxes(bar.locator("label"))
    controls = boxes(bar.locator("input:not([type=hidden]), select, button"))
    # On one line at this width: every label's top, every control's top and bottom alike.
    assert in_line([box["y"] for box in labels]), labels
    assert in_line([box["y"] for box in controls]), controls
    assert in_line([box["y"] + box["height"] for box in controls]), controls
    if page == "users":
        expect(bar.get_by_label("Search")).to_have_attribute("placeholder", "Name or email")
    screenshot(console, f"console-{page}-filter")


def boxes(found: Any) -> list[dict[str, float]]:
    """The boxes of each element `found`, as drawn."""
    drawn = [item.bounding_box() for item in found.all()]
    assert drawn and all(drawn)
    return drawn


def in_line(edges: list[float]) -> bool:
    """Whether edges lie within half a pixel of one another."""
    return max(edges) - min(edges) < 0.5
