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
