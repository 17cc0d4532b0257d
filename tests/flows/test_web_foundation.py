"""What both web front doors share: security headers, static assets under digest names, and
CSRF tokens bound to the browser and its session."""

from __future__ import annotations

import re

import httpx
from support.inprocess import InProcessServer
from support.portal import Browser
from support.server import ServiceRef

from apidesk.web import assets

V = {"api-version": "2024-05-01"}
PASSWORD = "correct horse battery staple"


def make_user(admin: httpx.Client, shop: ServiceRef, user_id: str) -> str:
    email = f"{user_id}@example.com"
    body = {
        "properties": {"email": email, "firstName": "Wen", "lastName": "Web", "password": PASSWORD}
    }
    admin.put(shop.url(f"/users/{user_id}"), params=V, json=body).raise_for_status()
    return email


def csrf_of(page: httpx.Response) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def test_portal_pages_carry_a_strict_policy_and_no_inline_code(
    browser: Browser, shop: ServiceRef
) -> None:
    page = browser.get(f"/portal/{shop.name}/signin")
    policy = page.headers["content-security-policy"]
    assert "unsafe-inline" not in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "same-origin"
    assert "<style" not in page.text and " style=" not in page.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text), "inline script"


def test_the_stylesheet_is_served_from_the_package_under_its_digest(
    browser: Browser, shop: ServiceRef
) -> None:
    page = browser.get(f"/portal/{shop.name}/signin")
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    assert (
        href and href.group(1) == f"/portal/{shop.name}/static/{assets.served_name('apidesk.css')}"
    )
    css = browser.get(href.group(1))
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert "immutable" in css.headers["cache-control"]
    assert css.content == (assets.STATIC / "apidesk.css").read_bytes()
    # An old digest is not served the new file, and nothing outside the folder is reachable.
    assert browser.get(f"/portal/{shop.name}/static/apidesk.000000000000.css").status_code == 404
    assert browser.get("/static/..%2Fcsrf.py").status_code == 404
    assert browser.get(f"/static/{assets.served_name('apidesk.js')}").status_code == 200


def test_a_token_from_another_browser_is_refused(
    app: InProcessServer, shop: ServiceRef, browser: Browser, other_browser: Browser
) -> None:
    page = browser.get(f"/portal/{shop.name}/signin")
    other_browser.get(f"/portal/{shop.name}/signin")  # has a CSRF cookie of its own
    refused = other_browser.client.post(
        f"/portal/{shop.name}/signin",
        data={"csrf": csrf_of(page), "email": "a@example.com", "password": "x"},
    )
    assert refused.status_code == 403
    assert "expired" in refused.text


def test_a_token_from_before_sign_in_dies_with_the_anonymous_session(
    admin: httpx.Client, shop: ServiceRef, browser: Browser
) -> None:
    email = make_user(admin, shop, "wen")
    page = browser.get(f"/portal/{shop.name}/signin")
    signed_in = browser.submit(page, f"/portal/{shop.name}/signin", email=email, password=PASSWORD)
    assert signed_in.status_code == 303
    # The sign-in form's token no longer signs anything: the session it was bound to changed.
    stale = browser.client.post(f"/portal/{shop.name}/signout", data={"csrf": csrf_of(page)})
    assert stale.status_code == 303
    assert "Sign out" in browser.get(f"/portal/{shop.name}/").text  # still signed in
    home = browser.get(f"/portal/{shop.name}/")
    browser.submit(home, f"/portal/{shop.name}/signout")
    assert "Sign out" not in browser.get(f"/portal/{shop.name}/").text
