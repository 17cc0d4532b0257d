"""Signing in brings a developer back to the page that asked for it: a signed-out visitor
sent from a page to sign in (a subscription's page, a product's, the profile) lands there once
signed in, through a failed attempt too; a return address that is not a page of this portal
(another site, another part of this one, a path that climbs out) leads home instead, for the
sign-in form and for a single sign-on link alike."""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlsplit

import httpx
import pytest
from support import catalog
from support.portal import Browser
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}
PASSWORD = "correct horse battery staple"


def returned(page: httpx.Response) -> str | None:
    """The return address the sign-in form carries, as a browser would send it."""
    found = re.search(r'name="returnUrl" value="([^"]*)"', page.text)
    return html.unescape(found.group(1)) if found else None


def sign_in_from(browser: Browser, shop: ServiceRef, asked: str) -> httpx.Response:
    """Open `asked` signed out, follow it to sign-in, and sign in there."""
    sent = browser.get(asked)
    assert sent.status_code == 303, sent.text
    form = browser.get(sent.headers["location"])
    assert form.status_code == 200
    fields = {"email": "dev@example.com", "password": PASSWORD}
    back = returned(form)
    if back is not None:
        fields["returnUrl"] = back
    return browser.submit(form, f"/portal/{shop.name}/signin", **fields)


def arrange(admin: httpx.Client, shop: ServiceRef) -> ServiceRef:
    catalog.api(admin, shop, "echo", "echo")
    catalog.product(admin, shop, "gold", "echo", displayName="Gold plan")
    catalog.user(admin, shop, "dev", password=PASSWORD)
    catalog.subscription(admin, shop, "mine", "/products/gold", owner="dev")
    return shop


@pytest.fixture
def arranged(admin: httpx.Client, shop: ServiceRef) -> ServiceRef:
    return arrange(admin, shop)


@pytest.mark.parametrize(
    "page", ["subscriptions/mine", "subscriptions", "profile", "subscriptions?x=1&y=%C3%A9"]
)
def test_signing_in_leads_back_to_the_page_that_asked(
    arranged: ServiceRef, browser: Browser, page: str
) -> None:
    asked = f"/portal/{arranged.name}/{page}"
    sent = browser.get(asked)
    assert sent.status_code == 303
    assert sent.headers["location"] == (
        f"/portal/{arranged.name}/signin?returnUrl={quote(asked, safe='')}"
    )
    browser.client.cookies.clear()
    signed = sign_in_from(browser, arranged, asked)
    assert signed.status_code == 303 and signed.headers["location"] == asked
    assert browser.get(asked).status_code == 200


def signin_links(page: httpx.Response) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'<a href="([^"]*/signin[^"]*)"', page.text)]


def test_a_sign_in_link_on_a_page_leads_back_to_that_page(
    admin: httpx.Client, arranged: ServiceRef, browser: Browser
) -> None:
    """The top bar's Sign in, and the product page's own, bring the visitor back to the
    product; on home and on the sign-up page, Sign in is plain."""
    catalog.put(admin, arranged, "/products/gold/groups/guests")  # open to visitors
    base = f"/portal/{arranged.name}"
    product = f"{base}/products/gold"
    page = browser.get(product)
    links = signin_links(page)
    assert len(links) == 2, page.text  # the top bar's and "Sign in to subscribe"
    assert set(links) == {f"{base}/signin?returnUrl={quote(product, safe='')}"}
    for plain in (f"{base}/", f"{base}/signup", f"{base}/forgot-password"):
        assert set(signin_links(browser.get(plain))) <= {f"{base}/signin"}, plain
    form = browser.get(links[0])
    assert returned(form) == product
    signed = browser.submit(
        form, f"{base}/signin", email="dev@example.com", password=PASSWORD, returnUrl=product
    )
    assert signed.status_code == 303 and signed.headers["location"] == product


def test_a_failed_attempt_keeps_the_way_back(arranged: ServiceRef, browser: Browser) -> None:
    asked = f"/portal/{arranged.name}/subscriptions/mine"
    form = browser.get(browser.get(asked).headers["location"])
    url = f"/portal/{arranged.name}/signin"
    wrong = browser.submit(
        form, url, email="dev@example.com", password="not it", returnUrl=returned(form) or ""
    )
    assert wrong.status_code == 400 and returned(wrong) == asked
    right = browser.submit(
        wrong, url, email="dev@example.com", password=PASSWORD, returnUrl=returned(wrong) or ""
    )
    assert right.status_code == 303 and right.headers["location"] == asked


def test_the_sign_in_page_opened_plainly_leads_home(arranged: ServiceRef, browser: Browser) -> None:
    form = browser.get(f"/portal/{arranged.name}/signin")
    assert returned(form) is None
    done = browser.submit(
        form, f"/portal/{arranged.name}/signin", email="dev@example.com", password=PASSWORD
    )
    assert done.headers["location"] == f"/portal/{arranged.name}/"


ELSEWHERE = [
    "https://evil.example/",
    "//evil.example/portal/",
    "/console/",
    "/portal/{other}/profile",
    "/portal/{shop}/../../console/",
    "/portal/{shop}/%2e%2E/%2e%2e/console/",
    "/portal/{shop}\\..\\console",
    "portal/{shop}/profile",
    "/portal/{shop}/..%2f..%2fconsole/",
    "/portal/{shop}/%2E%2E%5C%2e%2e%5Cconsole",
]


@pytest.mark.parametrize("target", ELSEWHERE)
def test_a_return_address_elsewhere_leads_home(
    arranged: ServiceRef, browser: Browser, target: str
) -> None:
    target = target.format(shop=arranged.name, other=f"{arranged.name}x")
    home = f"/portal/{arranged.name}/"
    url = f"/portal/{arranged.name}/signin"
    form = browser.get(f"{url}?returnUrl={quote(target, safe='')}")
    assert returned(form) is None  # the page offers no way there
    done = browser.submit(form, url, email="dev@example.com", password=PASSWORD, returnUrl=target)
    assert done.status_code == 303 and done.headers["location"] == home


@pytest.mark.parametrize("target", [*ELSEWHERE, "/portal/{shop}/subscriptions/mine"])
def test_a_single_sign_on_link_goes_only_to_this_portals_pages(
    admin: httpx.Client, arranged: ServiceRef, browser: Browser, target: str
) -> None:
    target = target.format(shop=arranged.name, other=f"{arranged.name}x")
    link = admin.post(arranged.url("/users/dev/generateSsoUrl"), params=V).json()["value"]
    parts = urlsplit(link)
    signed = browser.get(f"{parts.path}?{parts.query}&returnUrl={quote(target, safe='')}")
    assert signed.status_code == 303
    wanted = target if target.endswith("/mine") else f"/portal/{arranged.name}/"
    assert signed.headers["location"] == wanted


def test_an_odd_id_comes_back_as_itself(
    admin: httpx.Client, arranged: ServiceRef, browser: Browser
) -> None:
    odd = "50%41off&x:y'z"  # '%' stays a percent sign: the page is this id's, not '50Aoff'
    made = admin.put(
        arranged.url(f"/subscriptions/{quote(odd, safe='')}"),
        params=V,
        json={
            "properties": {"scope": "/products/gold", "ownerId": "/users/dev", "displayName": odd}
        },
    )
    assert made.status_code == 201 and made.json()["name"] == odd, made.text
    asked = f"/portal/{arranged.name}/subscriptions/{quote(odd, safe='')}"
    signed = sign_in_from(browser, arranged, asked)
    assert signed.status_code == 303
    landed = browser.get(signed.headers["location"])
    assert landed.status_code == 200 and "50%41off&amp;x:y&#39;z" in landed.text


def over_tls(browser: Browser, url: str) -> httpx.Response:
    """GET `url` as the proxy in front of an https portal passes it on: the browser spoke
    https and sends the portal's Secure cookies back; this client speaks plain HTTP to the
    server, as the proxy does, so it is told to send them too."""
    for cookie in browser.client.cookies.jar:
        cookie.secure = False
    page = browser.get(url)
    for cookie in browser.client.cookies.jar:
        cookie.secure = False
    return page


OWN_HOST = "developer.example.org"
OWN_HOST_ELSEWHERE = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "/../console/",
    "/%2E%2e/console/",
    "/subscriptions/..%2f..%2fconsole",
    "subscriptions/mine",
]


@pytest.fixture
def own(admin: httpx.Client) -> ServiceRef:
    """An instance whose portal has a host of its own, developer.example.org."""
    from support.server import RESOURCE_GROUP, SUBSCRIPTION, service_body

    own = ServiceRef(SUBSCRIPTION, RESOURCE_GROUP, "ownhost")
    body = service_body()
    body["properties"]["hostnameConfigurations"] = [
        {"type": "DeveloperPortal", "hostName": OWN_HOST}
    ]
    assert admin.put(own.path, params=V, json=body).status_code in (200, 201)
    return arrange(admin, own)


def test_at_its_own_host_the_portal_is_the_whole_site(own: ServiceRef, browser: Browser) -> None:
    """An instance whose portal has a host of its own is served at that host's root, behind
    a proxy that passes the Host header on: its pages' paths start at '/', and so does the
    way back after signing in; what leaves the host, or climbs out of the path, still leads
    home."""
    browser.client.headers["Host"] = OWN_HOST
    for named in (f"{OWN_HOST}.", f"{OWN_HOST.upper()}:443"):  # the same host, written so
        asked = browser.client.get(f"/portal/{own.name}/profile", headers={"Host": named})
        assert asked.headers["location"] == "/signin?returnUrl=%2Fprofile", named
    # What the proxy sends on as /portal/ownhost/... the visitor sees at the host's root.
    sent = browser.get(f"/portal/{own.name}/subscriptions/mine")
    assert sent.status_code == 303
    assert sent.headers["location"] == "/signin?returnUrl=%2Fsubscriptions%2Fmine"
    url = f"/portal/{own.name}/signin"
    for target in OWN_HOST_ELSEWHERE:
        form = over_tls(browser, f"{url}?returnUrl={quote(target, safe='')}")
        assert returned(form) is None, target
        done = browser.submit(
            form, url, email="dev@example.com", password=PASSWORD, returnUrl=target
        )
        assert done.status_code == 303 and done.headers["location"] == "/", target
    form = over_tls(browser, f"{url}?returnUrl=%2Fsubscriptions%2Fmine")
    assert returned(form) == "/subscriptions/mine"
    done = browser.submit(
        form, url, email="dev@example.com", password=PASSWORD, returnUrl="/subscriptions/mine"
    )
    assert done.status_code == 303 and done.headers["location"] == "/subscriptions/mine"


def test_on_the_shared_host_a_portal_with_its_own_host_keeps_to_its_path(
    arranged: ServiceRef, own: ServiceRef, browser: Browser
) -> None:
    """The shared address serves that portal too, below /portal/{name}: its links, its
    redirects and its cookies stay there, so signing in to it leaves a session of another
    portal on the shared host as it was, and its forms are taken from the shared origin."""
    shop_profile = f"/portal/{arranged.name}/profile"
    signed = sign_in_from(browser, arranged, shop_profile)
    assert signed.headers["location"] == shop_profile
    sent = browser.get(f"/portal/{own.name}/subscriptions/mine")
    assert sent.headers["location"] == (
        f"/portal/{own.name}/signin?returnUrl=%2Fportal%2F{own.name}%2Fsubscriptions%2Fmine"
    )
    form = browser.get(sent.headers["location"])
    assert returned(form) == f"/portal/{own.name}/subscriptions/mine"
    done = browser.submit(
        form,
        f"/portal/{own.name}/signin",
        email="dev@example.com",
        password=PASSWORD,
        returnUrl=returned(form) or "",
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/portal/{own.name}/subscriptions/mine"
    cookie = done.headers["set-cookie"]
    assert f"Path=/portal/{own.name}" in cookie and "Path=/;" not in cookie
    assert browser.get(done.headers["location"]).status_code == 200
    assert browser.get(shop_profile).status_code == 200  # still signed in there
