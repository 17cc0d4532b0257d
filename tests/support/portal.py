"""A person's browser on the developer portal."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx


@dataclass
class Browser:
    """Cookies are kept; forms are sent with the CSRF token of the page they came from."""

    client: httpx.Client

    def get(self, url: str) -> httpx.Response:
        return self.client.get(url)

    def submit(self, page: httpx.Response, action: str, **fields: str) -> httpx.Response:
        match = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert match, f"no CSRF field on the page:\n{page.text}"
        return self.client.post(action, data={"csrf": match.group(1), **fields})


def path_of(link: str) -> str:
    """An e-mailed link as the path and query a test client asks for."""
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def open_signup(admin: httpx.Client, service: Any) -> None:
    """Let anyone sign up on the service's portal (the `signup` portal setting)."""
    response = admin.patch(
        service.url("/portalsettings/signup"),
        params={"api-version": "2024-05-01"},
        headers={"If-Match": "*"},
        json={"properties": {"enabled": True}},
    )
    assert response.status_code == 204, response.text


def sign_up(
    browser: Browser, service: str, email: str, password: str, **fields: str
) -> httpx.Response:
    """The portal's sign-up form, filled in and sent (`fields` add to or replace its names,
    the password's confirmation and the consent)."""
    page = browser.get(f"/portal/{service}/signup")
    assert page.status_code == 200, page.text
    form = {
        "email": email,
        "password": password,
        "confirm": password,
        "first_name": "Sam",
        "last_name": "Signup",
    }
    return browser.submit(page, f"/portal/{service}/signup", **{**form, **fields})


def confirm_sign_up(browser: Browser, service: str, link: str, password: str) -> httpx.Response:
    """Open an e-mailed confirmation link and confirm it with `password`."""
    page = browser.get(path_of(link))
    assert page.status_code == 200, page.text
    token = link.rsplit("=", 1)[1]
    return browser.submit(page, f"/portal/{service}/confirm-email", token=token, password=password)
