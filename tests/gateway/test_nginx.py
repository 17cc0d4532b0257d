"""Real nginx, configured exactly as docs/nginx.md shows, in front of a small backend."""

from __future__ import annotations

import http.client as http_client
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support import catalog
from support.nginx import Nginx, Upstream, nginx, upstream
from support.server import LiveServer, ServiceRef

KEY_HEADER = "Ocp-Apim-Subscription-Key"


@pytest.fixture
def backend() -> Iterator[Upstream]:
    with upstream() as running:
        yield running


@pytest.fixture
def shop(http: httpx.Client, service: ServiceRef) -> ServiceRef:
    catalog.api(http, service, "echo", "echo", serviceUrl="http://backend")
    catalog.product(http, service, "gold", "echo")
    catalog.user(http, service, "ada")
    return service


@pytest.fixture
def proxy(
    server: LiveServer, backend: Upstream, shop: ServiceRef, tmp_path: Path
) -> Iterator[Nginx]:
    with nginx(server.url, backend.port, shop.name, tmp_path / "nginx") as running:
        yield running


def call(proxy: Nginx, path: str = "/echo/items", key: str | None = None) -> httpx.Response:
    headers = {KEY_HEADER: key} if key else {}
    return httpx.get(f"{proxy.url}{path}", headers=headers, timeout=10)


def test_valid_key_reaches_the_backend_with_identity(
    proxy: Nginx, backend: Upstream, http: httpx.Client, shop: ServiceRef
) -> None:
    key = catalog.subscription(http, shop, "s1", "/products/gold", owner="ada")
    response = call(proxy, "/echo/items?page=2", key)
    assert response.status_code == 200, proxy.error_log()
    seen = backend.last
    assert seen["path"] == "/echo/items?page=2"
    headers = {name.lower(): value for name, value in seen["headers"].items()}
    assert headers["x-apidesk-user-id"] == "ada"
    assert headers["x-apidesk-user-email"] == "ada@example.com"
    assert headers["x-apidesk-subscription-id"] == "s1"
    assert headers["x-apidesk-product-id"] == "gold"
    assert headers["x-apidesk-api-id"] == "echo"
    assert KEY_HEADER.lower() not in headers


def test_key_in_the_query_string_passes(
    proxy: Nginx, backend: Upstream, http: httpx.Client, shop: ServiceRef
) -> None:
    key = catalog.subscription(http, shop, "s1", "/products/gold", owner="ada")
    assert call(proxy, f"/echo/items?subscription-key={key}").status_code == 200
    assert len(backend.requests) == 1


def test_missing_and_wrong_keys_are_401_and_never_reach_the_backend(
    proxy: Nginx, backend: Upstream
) -> None:
    missing = call(proxy)
    wrong = call(proxy, key="0123456789abcdef0123456789abcdef")
    assert missing.status_code == 401
    assert missing.json()["reason"] == "key-missing"
    assert missing.json()["message"].startswith("Access denied due to missing subscription key")
    assert wrong.status_code == 401
    assert wrong.json()["reason"] == "key-invalid"
    assert backend.requests == []


def test_a_caller_cannot_forge_an_identity(
    proxy: Nginx, backend: Upstream, http: httpx.Client, shop: ServiceRef
) -> None:
    catalog.api(http, shop, "public", "public", subscriptionRequired=False)
    response = httpx.get(
        f"{proxy.url}/public/x", headers={"X-Apidesk-User-Id": "1", "X-Apidesk-Product-Id": "gold"}
    )
    assert response.status_code == 200
    headers = {name.lower() for name in backend.last["headers"]}
    assert "x-apidesk-user-id" not in headers
    assert "x-apidesk-product-id" not in headers


def test_block_and_activate_owner(
    proxy: Nginx, backend: Upstream, http: httpx.Client, shop: ServiceRef
) -> None:
    key = catalog.subscription(http, shop, "s1", "/products/gold", owner="ada")
    assert call(proxy, key=key).status_code == 200
    catalog.patch(http, shop, "/users/ada", {"state": "blocked"})
    refused = call(proxy, key=key)
    assert refused.status_code == 403
    assert refused.json()["reason"] == "user-blocked"
    catalog.patch(http, shop, "/users/ada", {"state": "active"})
    assert call(proxy, key=key).status_code == 200
    assert len(backend.requests) == 2


def test_suspend_and_activate_subscription(
    proxy: Nginx, http: httpx.Client, shop: ServiceRef
) -> None:
    key = catalog.subscription(http, shop, "s1", "/products/gold", owner="ada")
    catalog.patch(http, shop, "/subscriptions/s1", {"state": "suspended"})
    refused = call(proxy, key=key)
    assert refused.status_code == 403
    assert refused.json()["reason"] == "subscription-inactive"
    catalog.patch(http, shop, "/subscriptions/s1", {"state": "active"})
    assert call(proxy, key=key).status_code == 200


def test_regenerated_key_stops_at_once(proxy: Nginx, http: httpx.Client, shop: ServiceRef) -> None:
    key = catalog.subscription(http, shop, "s1", "/products/gold", owner="ada")
    assert call(proxy, key=key).status_code == 200
    http.post(
        shop.url("/subscriptions/s1/regeneratePrimaryKey"), params=catalog.V
    ).raise_for_status()
    assert call(proxy, key=key).status_code == 401
    fresh, _ = catalog.keys(http, shop, "s1")
    assert call(proxy, key=fresh).status_code == 200


def test_deleted_user_is_refused(proxy: Nginx, http: httpx.Client, shop: ServiceRef) -> None:
    key = catalog.subscription(http, shop, "s1", "/products/gold", owner="ada")
    assert call(proxy, key=key).status_code == 200
    http.delete(shop.url("/users/ada"), params=catalog.V, headers=catalog.ANY).raise_for_status()
    refused = call(proxy, key=key)
    assert refused.status_code == 403
    assert refused.json()["reason"] == "subscription-inactive"


@pytest.mark.parametrize("path", ["/echo/../other/x", "/public/../echo/x", "//echo/public/x"])
def test_paths_nginx_would_resolve_differently_are_refused(
    proxy: Nginx, backend: Upstream, http: httpx.Client, shop: ServiceRef, path: str
) -> None:
    catalog.api(http, shop, "other", "other")
    catalog.api(http, shop, "public", "public", subscriptionRequired=False)
    key = catalog.subscription(http, shop, "s1", "/apis/echo", owner="ada")
    # A raw request: an HTTP client library would tidy the path before sending it.
    connection = http_client.HTTPConnection(proxy.url.removeprefix("http://"), timeout=10)
    connection.request("GET", path, headers={KEY_HEADER: key})
    answer = connection.getresponse()
    assert answer.status == 403
    assert b"ambiguous-path" in answer.read()
    connection.close()
    assert backend.requests == []
