"""A portal with a host of its own, behind real nginx configured as docs/portal.md shows, in
front of a live `apidesk serve`: at that host the portal is the whole site (links, redirects
and cookies from '/'), a developer signs in and lands on the page they asked for, and a form
sent from another origin is refused. The block is the documentation's own, TLS included: only
the port, the upstream and the certificate (one made for the test) are put in."""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support import catalog
from support.cluster import self_signed
from support.nginx import running
from support.server import LiveServer, ServiceRef, free_port

DOC = Path(__file__).resolve().parents[2] / "docs" / "portal.md"
HOST = "developer.example.org"
V = {"api-version": "2024-05-01"}
PASSWORD = "correct horse battery staple"


def documented_block() -> str:
    match = re.search(r"```nginx\n(.*?)```", DOC.read_text(), flags=re.S)
    assert match, "docs/portal.md has no nginx configuration block"
    return match.group(1)


@pytest.fixture
def own(http: httpx.Client, service: ServiceRef) -> ServiceRef:
    portal = {"hostnameConfigurations": [{"type": "DeveloperPortal", "hostName": HOST}]}
    http.patch(service.url(), params=V, json={"properties": portal}).raise_for_status()
    catalog.api(http, service, "echo", "echo")
    catalog.product(http, service, "gold", "echo", displayName="Gold plan")
    catalog.put(http, service, "/products/gold/groups/guests")
    catalog.user(http, service, "dev", password=PASSWORD)
    return service


@pytest.fixture
def site(server: LiveServer, own: ServiceRef, tmp_path: Path) -> Iterator[httpx.Client]:
    """A client of the portal's own host, through nginx over https; it sends the Origin a
    browser on that host would."""
    port = free_port()
    (tmp_path / "nginx").mkdir()
    cert, key = self_signed(tmp_path / "nginx")
    block = (
        documented_block()
        .replace("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;")
        .replace("/etc/ssl/certs/developer.example.com.pem", str(cert))
        .replace("/etc/ssl/private/developer.example.com.key", str(key))
        .replace("http://127.0.0.1:8000/", f"{server.url}/")
        .replace("/portal/myservice/", f"/portal/{own.name}/")
    )
    assert f"{server.url}/portal/{own.name}/" in block and f"127.0.0.1:{port} ssl;" in block
    assert str(cert) in block and str(key) in block
    trust = ssl.create_default_context(cafile=str(cert))
    with running(block, port, tmp_path / "nginx", scheme="https", verify=trust) as url:
        headers = {"Host": HOST, "Origin": f"https://{HOST}"}
        with httpx.Client(base_url=url, headers=headers, timeout=30, verify=trust) as client:
            yield client


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def test_at_its_own_host_a_developer_signs_in_and_lands_where_they_asked(
    site: httpx.Client,
) -> None:
    product = site.get("/products/gold")
    assert product.status_code == 200, product.text
    assert 'href="/products"' in product.text and 'href="/static/' in product.text
    assert 'href="/signin?returnUrl=%2Fproducts%2Fgold"' in product.text
    cookie = product.headers["set-cookie"]  # the form token's nonce
    assert "Path=/;" in cookie and "Secure" in cookie
    asked = site.get("/subscriptions")
    assert asked.status_code == 303
    assert asked.headers["location"] == "/signin?returnUrl=%2Fsubscriptions"
    form = site.get(asked.headers["location"])
    assert form.status_code == 200
    fields = {
        "csrf": csrf_of(form),
        "email": "dev@example.com",
        "password": PASSWORD,
        "returnUrl": "/subscriptions",
    }
    signed = site.post("/signin", data=fields)
    assert signed.status_code == 303, signed.text
    assert signed.headers["location"] == "/subscriptions"
    assert "Path=/;" in signed.headers["set-cookie"]
    page = site.get("/subscriptions")
    assert page.status_code == 200 and "dev@example.com" in page.text
    # Sign out sent from the shared host's origin is another site's: it leads home and
    # signs nobody out.
    form = site.get("/profile")
    forged = site.post(
        "/signout", data={"csrf": csrf_of(form)}, headers={"Origin": "http://127.0.0.1"}
    )
    assert forged.status_code == 303 and "set-cookie" not in forged.headers
    assert "dev@example.com" in site.get("/profile").text
    done = site.post("/signout", data={"csrf": csrf_of(form)})
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert site.get("/profile").status_code == 303  # signed out
