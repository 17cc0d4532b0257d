"""A refused portal form says each problem at its field (aria-invalid, described by the error)
and sums them up in a summary that links to each field, in the form's order; nothing is
changed. Also: sign-up asks for the password twice, a signed-in visitor is told so on the
sign-up and sign-in pages, sign-in offers sign-up while it is open, a blocked developer gets
the API team's address, and states are badges."""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx
from support import catalog
from support.inprocess import InProcessServer
from support.portal import Browser, open_signup
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}
PASSWORD = "violet tractor harbour lamp"


def tag(html: str, element_id: str) -> str:
    """The opening tag of the input (or checkbox) whose id is `element_id`."""
    found = re.search(rf'<input[^>]*\bid="{re.escape(element_id)}"[^>]*>', html)
    assert found, f"no input #{element_id}"
    return found.group(0)


def marked(html: str, element_id: str) -> bool:
    """Whether the field is marked invalid and described by its own error."""
    opening = tag(html, element_id)
    described = re.search(r'aria-describedby="([^"]*)"', opening)
    invalid = 'aria-invalid="true"' in opening
    error = f'id="{element_id}-error"' in html
    if invalid:
        assert described and f"{element_id}-error" in described.group(1).split(), opening
        assert error, element_id
    return invalid


def summary_links(html: str) -> list[str]:
    summary = re.search(r'<div class="notice error summary".*?</div>', html, re.S)
    assert summary, "no error summary"
    return re.findall(r'<a href="#([^"]+)">', summary.group(0))


def users_with(admin: httpx.Client, shop: ServiceRef, email: str) -> list[object]:
    answer = admin.get(shop.url("/users"), params={**V, "$filter": f"email eq '{email}'"})
    return list(answer.json()["value"])


def with_terms(admin: httpx.Client, shop: ServiceRef) -> None:
    terms = {"text": "Call the APIs fairly.", "enabled": True, "consentRequired": True}
    response = admin.patch(
        shop.url("/portalsettings/signup"),
        params=V,
        headers={"If-Match": "*"},
        json={"properties": {"enabled": True, "termsOfService": terms}},
    )
    assert response.status_code == 204, response.text


def sign_in(browser: Browser, shop: ServiceRef, email: str) -> httpx.Response:
    page = browser.get(f"/portal/{shop.name}/signin")
    return browser.submit(page, f"/portal/{shop.name}/signin", email=email, password=PASSWORD)


def test_a_refused_sign_up_marks_each_field_it_names_and_creates_nothing(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    with_terms(admin, shop)
    page = browser.get(f"/portal/{shop.name}/signup")
    assert 'for="confirm">Password, again</label>' in page.text
    refused = browser.submit(
        page,
        f"/portal/{shop.name}/signup",
        email="not-an-address",
        password="short",
        confirm="other",
        first_name="",
        last_name="Lovelace",
    )
    assert refused.status_code == 400
    html = refused.text
    for field in ("email", "password", "confirm", "first_name", "consent"):
        assert marked(html, field), field
    assert not marked(html, "last_name")
    assert summary_links(html) == ["email", "password", "confirm", "first_name", "consent"]
    assert 'value="Lovelace"' in html and "short" not in html
    assert users_with(admin, shop, "not-an-address") == []


def test_sign_up_with_two_different_passwords_is_refused_at_the_second(
    admin: httpx.Client, shop: ServiceRef, browser: Browser, app: InProcessServer
) -> None:
    open_signup(admin, shop)
    page = browser.get(f"/portal/{shop.name}/signup")
    fields = {"email": "twice@example.com", "password": PASSWORD, "first_name": "T"}
    refused = browser.submit(
        page, f"/portal/{shop.name}/signup", **fields, last_name="W", confirm=PASSWORD + "x"
    )
    assert refused.status_code == 400
    assert marked(refused.text, "confirm") and not marked(refused.text, "password")
    assert summary_links(refused.text) == ["confirm"]
    assert "The two passwords differ." in refused.text
    assert users_with(admin, shop, "twice@example.com") == []


def test_a_signed_in_visitor_is_told_so_on_sign_up_and_sign_in(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    open_signup(admin, shop)
    catalog.user(admin, shop, "dev", password=PASSWORD)
    assert "New here?" in browser.get(f"/portal/{shop.name}/signin").text
    assert sign_in(browser, shop, "dev@example.com").status_code == 303
    signup = browser.get(f"/portal/{shop.name}/signup")
    assert signup.status_code == 200
    assert "You are signed in as <strong>dev@example.com</strong>" in signup.text
    assert 'name="password"' not in signup.text
    signin = browser.get(f"/portal/{shop.name}/signin")
    assert "You are signed in as <strong>dev@example.com</strong>" in signin.text
    assert "New here?" not in signin.text


def test_sign_in_offers_sign_up_only_while_it_is_open(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    open_signup(admin, shop)
    page = browser.get(f"/portal/{shop.name}/signin")
    assert f'New here? <a href="/portal/{shop.name}/signup">Sign up</a>' in page.text
    response = admin.patch(
        shop.url("/portalsettings/signup"),
        params=V,
        headers={"If-Match": "*"},
        json={"properties": {"enabled": False}},
    )
    assert response.status_code == 204
    assert "New here?" not in browser.get(f"/portal/{shop.name}/signin").text


def test_a_blocked_developer_is_given_the_api_teams_address(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    catalog.user(admin, shop, "held", password=PASSWORD, state="blocked")
    publisher = admin.get(shop.url(), params=V).json()["properties"]["publisherEmail"]
    refused = sign_in(browser, shop, "held@example.com")
    assert refused.status_code == 403 and "blocked" in refused.text
    assert f'<a href="mailto:{quote(publisher)}">{publisher}</a>' in refused.text
    wrong = browser.submit(
        browser.get(f"/portal/{shop.name}/signin"),
        f"/portal/{shop.name}/signin",
        email="nobody@example.com",
        password=PASSWORD,
    )
    assert wrong.status_code == 400 and "mailto:" not in wrong.text


def test_the_profile_marks_the_fields_of_the_form_it_refused(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    catalog.user(admin, shop, "dev", password=PASSWORD)
    assert sign_in(browser, shop, "dev@example.com").status_code == 303
    page = browser.get(f"/portal/{shop.name}/profile")
    base = f"/portal/{shop.name}/profile"
    name = browser.submit(page, f"{base}/name", first_name=" ", last_name="Caller")
    assert name.status_code == 400 and marked(name.text, "first_name")
    assert not marked(name.text, "last_name") and summary_links(name.text) == ["first_name"]
    email = browser.submit(
        page, f"{base}/email", email="new@example.com", current_password="wrong password"
    )
    assert email.status_code == 400 and summary_links(email.text) == ["email_password"]
    assert marked(email.text, "email_password") and not marked(email.text, "current_password")
    assert 'value="new@example.com"' in email.text
    differ = browser.submit(
        page, f"{base}/password", current_password=PASSWORD, password=PASSWORD, confirm="x"
    )
    assert differ.status_code == 400 and summary_links(differ.text) == ["confirm"]
    assert marked(differ.text, "confirm") and not marked(differ.text, "email")
    assert sign_in(browser, shop, "dev@example.com").status_code == 303  # nothing changed


def test_subscribing_without_consent_marks_the_box(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    catalog.api(admin, shop, "echo", "echo")
    catalog.product(admin, shop, "gold", "echo", terms="Call the APIs fairly.")
    admin.put(shop.url("/products/gold/groups/developers"), params=V).raise_for_status()
    catalog.user(admin, shop, "dev", password=PASSWORD)
    assert sign_in(browser, shop, "dev@example.com").status_code == 303
    page = browser.get(f"/portal/{shop.name}/products/gold")
    assert 'Subscription name <span class="optional">(optional)</span>' in page.text
    refused = browser.submit(page, f"/portal/{shop.name}/products/gold/subscribe", name="App")
    assert refused.status_code == 400 and marked(refused.text, "consent")
    assert summary_links(refused.text) == ["consent"]
    assert "badge" not in browser.get(f"/portal/{shop.name}/subscriptions").text  # none made


def test_states_are_badges_and_the_product_names_the_ones_held(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    catalog.api(admin, shop, "echo", "echo")
    catalog.product(admin, shop, "gold", "echo")
    admin.put(shop.url("/products/gold/groups/developers"), params=V).raise_for_status()
    catalog.user(admin, shop, "dev", password=PASSWORD)
    catalog.user(admin, shop, "other", password=PASSWORD)
    assert sign_in(browser, shop, "dev@example.com").status_code == 303
    assert "Your subscriptions</h2>" not in browser.get(f"/portal/{shop.name}/products/gold").text
    catalog.subscription(admin, shop, "gone", "/products/gold", owner="dev", state="cancelled")
    catalog.subscription(admin, shop, "theirs", "/products/gold", owner="other")
    listed = browser.get(f"/portal/{shop.name}/subscriptions").text
    assert '<span class="badge cancelled">cancelled</span>' in listed
    detail = browser.get(f"/portal/{shop.name}/subscriptions/gone").text
    assert '<dd><span class="badge cancelled">cancelled</span></dd>' in detail
    product = browser.get(f"/portal/{shop.name}/products/gold").text
    held = f'<a href="/portal/{shop.name}/subscriptions/gone">gone</a>'
    assert f'{held} <span class="badge cancelled">cancelled</span>' in product
    assert "theirs" not in product
