"""The portal's top bar and its 404 pages in Debian's chromium, on SQLite and on PostgreSQL:
the whole service in this process with a real SMTP server for the e-mailed links. Signed out,
the bar offers Products (while anonymous visitors may see them), Sign in and Sign up (while
it leads somewhere); signed in, the menu is on every page, whether or not the page's code
named the user; a page opened from an e-mailed link has none; a page missing under a known
service is that portal's own 404. Controls found by role and label; axe-core on the bar."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import expect
from support.browser import axe_source
from support.databases import Isolated, database_for
from support.inprocess import InProcessServer, in_process_server
from support.mailbox import Mailbox
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}
PASSWORD = "violet tractor harbour lamp"
PORTAL_NAME = "Example Publisher developer portal"
PUBLISHER = "http://publisher.example.test:8443/delegate"
_names = itertools.count(1)


@pytest.fixture(scope="module")
def app(
    workspace: Any, tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox
) -> Iterator[InProcessServer]:
    """A database of this module's own: its dispatcher sends every queued e-mail."""
    directory = tmp_path_factory.mktemp("portal-navigation")
    with database_for(workspace.backend, directory) as url:
        isolated = Isolated(url, directory)
        with in_process_server(isolated.database_url, directory, mailbox.port) as running:
            yield running


@pytest.fixture
def admin(app: InProcessServer) -> Iterator[httpx.Client]:
    with app.client() as client:
        yield client


@pytest.fixture
def shop(app: InProcessServer) -> ServiceRef:
    return app.new_service(f"nav-{next(_names)}-{id(app) % 10000}")


@pytest.fixture
def page(browser: Any, app: InProcessServer) -> Iterator[Any]:
    context = browser.new_context(base_url=app.url, viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


def settings(admin: httpx.Client, shop: ServiceRef, which: str, **properties: Any) -> None:
    answer = admin.patch(
        shop.url(f"/portalsettings/{which}"),
        params=V,
        headers={"If-Match": "*"},
        json={"properties": properties},
    )
    assert answer.status_code == 204, answer.text


def developer(admin: httpx.Client, shop: ServiceRef, user_id: str) -> str:
    email = f"{user_id}@{shop.name}.example"  # one mailbox serves both databases' runs
    body = {"email": email, "firstName": "Ada", "lastName": "Lovelace", "password": PASSWORD}
    answer = admin.put(shop.url(f"/users/{user_id}"), params=V, json={"properties": body})
    assert answer.status_code in (200, 201), answer.text
    return email


def sign_in(page: Any, shop: ServiceRef, email: str) -> None:
    page.goto(f"/portal/{shop.name}/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def axe_violations(page: Any) -> list[str]:
    """Every violation axe-core finds on the page, whatever its impact."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    results = page.evaluate("async () => await window.axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}"
        for v in results["violations"]
    ]


def expect_signed_out_bar(
    page: Any, base: str, *, products: bool, signup: bool, back: str | None = None
) -> None:
    """The bar a signed-out visitor sees; its Sign in leads back to `back`, if given."""
    banner = page.get_by_role("banner")
    expect(banner.get_by_role("link", name=PORTAL_NAME)).to_have_attribute("href", f"{base}/")
    pages = page.get_by_role("navigation", name="Portal")
    if products:
        expect(pages.get_by_role("link", name="Products")).to_have_attribute(
            "href", f"{base}/products"
        )
    else:
        expect(pages).to_have_count(0)
    account = page.get_by_role("navigation", name="Account")
    signin = f"{base}/signin" + (f"?returnUrl={quote(back, safe='')}" if back else "")
    expect(account.get_by_role("link", name="Sign in")).to_have_attribute("href", signin)
    expect(account.get_by_role("link", name="Sign up")).to_have_count(1 if signup else 0)
    expect(banner.get_by_role("button", name="Sign out")).to_have_count(0)


def expect_signed_in_bar(page: Any, base: str, email: str) -> None:
    menu = page.get_by_role("navigation", name="Portal")
    for name, path in (("Products", "products"), ("Subscriptions", "subscriptions")):
        expect(menu.get_by_role("link", name=name)).to_have_attribute("href", f"{base}/{path}")
    expect(menu.get_by_role("link", name="Profile")).to_have_attribute("href", f"{base}/profile")
    banner = page.get_by_role("banner")
    expect(banner.get_by_text(email)).to_be_visible()
    expect(banner.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("navigation", name="Account")).to_have_count(0)


def expect_no_menu(page: Any) -> None:
    banner = page.get_by_role("banner")
    expect(banner.get_by_role("navigation")).to_have_count(0)
    expect(banner.get_by_role("link", name="Sign in")).to_have_count(0)
    expect(banner.get_by_role("button", name="Sign out")).to_have_count(0)


def test_signed_out_bar_leads_to_products_sign_in_and_sign_up(page: Any, shop: ServiceRef) -> None:
    base = f"/portal/{shop.name}"
    current = {"/signin": "Sign in", "/signup": "Sign up", "/products": "Products"}
    for path in ("/", "/signin", "/signup", "/products", "/forgot-password"):
        page.goto(f"{base}{path}")
        back = f"{base}/products" if path == "/products" else None
        expect_signed_out_bar(page, base, products=True, signup=True, back=back)
        for name in ("Products", "Sign in", "Sign up"):
            link = page.get_by_role("banner").get_by_role("link", name=name)
            if current.get(path) == name:
                expect(link).to_have_attribute("aria-current", "page")
            else:
                expect(link).not_to_have_attribute("aria-current", "page")
    # Each leads where it says, from any of them.
    page.goto(f"{base}/forgot-password")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", name="Sign up")).to_be_visible()
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Products").click()
    expect(page.get_by_role("heading", name="Products")).to_be_visible()


def test_signed_out_bar_passes_axe(page: Any, shop: ServiceRef) -> None:
    for path in ("/signin", "/signup", "/nope"):
        page.goto(f"/portal/{shop.name}{path}")
        expect(page.get_by_role("navigation", name="Account")).to_be_visible()
        found = axe_violations(page)
        assert not found, (path, found)
    # On a phone nothing sticks out sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/portal/{shop.name}/signin")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


def test_sign_up_is_offered_only_while_it_leads_to_a_form(
    page: Any, shop: ServiceRef, admin: httpx.Client, app: InProcessServer
) -> None:
    base = f"/portal/{shop.name}"
    settings(admin, shop, "signup", enabled=False)
    for path in ("/", "/signin", "/products"):
        page.goto(f"{base}{path}")
        back = f"{base}/products" if path == "/products" else None
        expect_signed_out_bar(page, base, products=True, signup=False, back=back)
    expect(page.get_by_role("link", name="Sign up")).to_have_count(0)
    # Delegated, the portal's Sign up hands the visitor to the publisher's own form.
    body = {"properties": {"url": PUBLISHER, "userRegistration": {"enabled": True}}}
    admin.put(shop.url("/portalsettings/delegation"), params=V, json=body).raise_for_status()
    page.goto(f"{base}/products")
    expect_signed_out_bar(page, base, products=True, signup=True, back=f"{base}/products")
    href = page.get_by_role("link", name="Sign up").get_attribute("href")
    with httpx.Client(base_url=app.url) as visitor:
        handed = visitor.get(str(href))
    assert handed.status_code == 302 and handed.headers["location"].startswith(PUBLISHER)


def test_products_are_not_offered_while_sign_in_is_required(
    page: Any, shop: ServiceRef, admin: httpx.Client
) -> None:
    base = f"/portal/{shop.name}"
    settings(admin, shop, "signin", enabled=True)
    page.goto(f"{base}/products")
    # Where a Products link would have led.
    assert page.url.endswith(f"{base}/signin?returnUrl=%2Fportal%2F{shop.name}%2Fproducts")
    expect_signed_out_bar(page, base, products=False, signup=True)
    page.goto(f"{base}/nope")
    expect_signed_out_bar(page, base, products=False, signup=True)


def test_signed_in_menu_is_on_pages_that_did_not_name_the_user(
    page: Any, shop: ServiceRef, admin: httpx.Client
) -> None:
    base = f"/portal/{shop.name}"
    email = developer(admin, shop, "ada")
    sign_in(page, shop, email)
    page.goto(f"{base}/forgot-password")
    expect_signed_in_bar(page, base, email)
    # A refused form: the page again, with what was wrong, and the menu.
    main = page.get_by_role("main")
    main.locator("input[name=csrf]").evaluate("field => { field.value = 'forged' }")
    main.get_by_label("Email").fill(email)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        main.get_by_role("button", name="Send the link").click()
    assert answer.value.status == 403  # a form that is not this browser's
    expect(page.get_by_role("alert")).to_be_visible()
    expect_signed_in_bar(page, base, email)
    # A message page.
    page.get_by_role("main").get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    expect_signed_in_bar(page, base, email)
    # The page shown is marked, and so is the section of a page below it.
    menu = page.get_by_role("navigation", name="Portal")
    page.goto(f"{base}/profile")
    expect(menu.get_by_role("link", name="Profile")).to_have_attribute("aria-current", "page")
    expect(menu.get_by_role("link", name="Products")).not_to_have_attribute("aria-current", "page")
    page.get_by_role("main").get_by_role("link", name="Close account").click()
    expect(menu.get_by_role("link", name="Profile")).to_have_attribute("aria-current", "true")


def test_pages_opened_from_an_emailed_link_show_no_menu(
    page: Any, shop: ServiceRef, admin: httpx.Client, mailbox: Mailbox
) -> None:
    base = f"/portal/{shop.name}"
    email = developer(admin, shop, "grace")
    sign_in(page, shop, email)
    page.goto(f"{base}/forgot-password")
    page.get_by_role("main").get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send the link").click()
    link = mailbox.wait_for(to=email, subject="password")[0].link("reset-password")
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("link", name=PORTAL_NAME)).to_be_visible()
    expect_no_menu(page)
    page.goto(f"{base}/invitation?token=not-a-real-one")
    expect(page.get_by_role("heading", name="This invitation link no longer works")).to_be_visible()
    expect_no_menu(page)
    page.goto(f"{base}/")  # the session is there all the same
    expect_signed_in_bar(page, base, email)


def expect_portal_404(page: Any, response: Any, base: str) -> None:
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page).to_have_title(f"Not found · {PORTAL_NAME.removesuffix(' developer portal')}")
    banner = page.get_by_role("banner")
    expect(banner.get_by_role("link", name=PORTAL_NAME)).to_have_attribute("href", f"{base}/")
    home = page.get_by_role("main").get_by_role("link", name="Go to the home page")
    expect(home).to_have_attribute("href", f"{base}/")


def test_a_missing_page_of_a_portal_is_that_portals_404(
    page: Any, shop: ServiceRef, admin: httpx.Client, app: InProcessServer
) -> None:
    base = f"/portal/{shop.name}"
    expect_portal_404(page, page.goto(f"{base}/nope"), base)
    expect_signed_out_bar(page, base, products=True, signup=True)
    expect_portal_404(page, page.goto(f"{base}/products/nope"), base)
    expect_signed_out_bar(page, base, products=True, signup=True)

    email = developer(admin, shop, "hedy")
    sign_in(page, shop, email)
    for path in ("/nope", "/nope/deeper", "/subscriptions/nope", "/products/nope"):
        expect_portal_404(page, page.goto(f"{base}{path}"), base)
        expect_signed_in_bar(page, base, email)
    page.get_by_role("link", name="Go to the home page").click()
    expect(page.get_by_role("heading", name="Welcome, Ada")).to_be_visible()

    # A page below a subscription that is not the developer's, and any method on a path no
    # route takes.
    expect_portal_404(page, page.goto(f"{base}/subscriptions/nope/regenerate?key=primary"), base)
    with httpx.Client(base_url=app.url) as visitor:
        for method in ("GET", "POST"):
            answer = visitor.request(method, f"{base}/nope")
            assert answer.status_code == 404, (method, answer.text)
            assert PORTAL_NAME in answer.text


def test_an_unknown_service_gives_the_bare_404(page: Any, app: InProcessServer) -> None:
    for path in ("/portal/no-such-portal/nope", "/portal/no-such-portal/", "/portal/"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 404, path
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
        banner = page.get_by_role("banner")
        expect(banner).to_have_text("Developer portal")
        expect(banner.get_by_role("link")).to_have_count(0)
    with httpx.Client(base_url=app.url) as visitor:
        for path in ("/portal/-x-/nope", f"/portal/{'a' * 300}/nope", "/portal/a%20b/nope"):
            answer = visitor.get(path)
            assert answer.status_code == 404, (path, answer.text)
            assert "Not found" in answer.text and PORTAL_NAME not in answer.text
        # A NUL never reaches a page: the request is refused before any (400).
        assert visitor.get("/portal/%00/nope").status_code == 400
