"""The key check, called as a proxy calls it: every refusal reason, with the key in the header
and in the query, and the effect of every change on the very next call."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
from support import catalog
from support.server import LiveServer, ServiceRef, create_service

HEADER = "Ocp-Apim-Subscription-Key"


@pytest.fixture
def shop(http: httpx.Client, service: ServiceRef) -> ServiceRef:
    """APIs `echo` (in product `gold`) and `other` (in no product), and user `ada`."""
    catalog.api(http, service, "echo", "echo")
    catalog.api(http, service, "other", "other")
    catalog.product(http, service, "gold", "echo")
    catalog.user(http, service, "ada")
    return service


def check(
    server: LiveServer, service: ServiceRef, uri: str, key: str | None = None, via: str = "header"
) -> httpx.Response:
    headers = {"X-Original-URI": uri, "X-Original-Method": "GET"}
    if key is not None and via == "header":
        headers[HEADER] = key
    elif key is not None:
        separator = "&" if "?" in uri else "?"
        headers["X-Original-URI"] = f"{uri}{separator}subscription-key={quote(key)}"
    return httpx.get(f"{server.url}/gateway/{service.name}/check", headers=headers)


def assert_refused(response: httpx.Response, status: int, reason: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["x-apidesk-reason"] == reason
    body = response.json()
    assert body["statusCode"] == status and body["reason"] == reason and body["message"]
    assert "x-apidesk-user-id" not in response.headers


VIA = pytest.mark.parametrize("via", ["header", "query"])


@VIA
def test_valid_key_passes_with_identity(
    server: LiveServer, http: httpx.Client, shop: ServiceRef, via: str
) -> None:
    key = catalog.subscription(http, shop, "s1", "/products/gold", owner="ada")
    response = check(server, shop, "/echo/items?page=2", key, via)
    assert response.status_code == 200, response.text
    assert response.headers["x-apidesk-reason"] == "allowed"
    assert response.headers["x-apidesk-user-id"] == "ada"
    assert response.headers["x-apidesk-user-email"] == "ada@example.com"
    assert response.headers["x-apidesk-subscription-id"] == "s1"
    assert response.headers["x-apidesk-product-id"] == "gold"
    assert response.headers["x-apidesk-api-id"] == "echo"


def test_secondary_key_passes_too(server: LiveServer, http: httpx.Client, shop: ServiceRef) -> None:
    catalog.subscription(http, shop, "s1", "/products/gold", owner="ada")
    _, secondary = catalog.keys(http, shop, "s1")
    assert check(server, shop, "/echo", secondary).status_code == 200


@VIA
def test_missing_key_is_401(server: LiveServer, shop: ServiceRef, via: str) -> None:
    response = check(server, shop, "/echo/items")
    assert_refused(response, 401, "key-missing")
    assert response.json()["message"].startswith("Access denied due to missing subscription key")


@VIA
def test_unknown_key_is_401(server: LiveServer, shop: ServiceRef, via: str) -> None:
    response = check(server, shop, "/echo", "0123456789abcdef0123456789abcdef", via)
    assert_refused(response, 401, "key-invalid")
    assert response.json()["message"].startswith("Access denied due to invalid subscription key")


@VIA
@pytest.mark.parametrize("state", ["suspended", "expired", "rejected", "cancelled", "submitted"])
def test_inactive_subscription_is_403(
    server: LiveServer, http: httpx.Client, shop: ServiceRef, state: str, via: str
) -> None:
    key = catalog.subscription(http, shop, "s1", "/products/gold", owner="ada", state=state)
    assert_refused(check(server, shop, "/echo", key, via), 403, "subscription-inactive")


@VIA
def test_blocked_owner_is_403(
    server: LiveServer, http: httpx.Client, shop: ServiceRef, via: str
) -> None:
    key = catalog.subscription(http, shop, "s1", "/products/gold", owner="ada")
    catalog.patch(http, shop, "/users/ada", {"state": "blocked"})
    assert_refused(check(server, shop, "/echo", key, via), 403, "user-blocked")


def test_pending_owner_is_403(server: LiveServer, http: httpx.Client, shop: ServiceRef) -> None:
    key = catalog.subscription(http, shop, "s1", "/products/gold", owner="ada")
    catalog.patch(http, shop, "/users/ada", {"state": "pending"})
    assert_refused(check(server, shop, "/echo", key), 403, "user-inactive")


@VIA
def test_api_outside_the_product_is_403(
    server: LiveServer, http: httpx.Client, shop: ServiceRef, via: str
) -> None:
    key = catalog.subscription(http, shop, "s1", "/products/gold", owner="ada")
    assert_refused(check(server, shop, "/other/x", key, via), 403, "out-of-scope")


@VIA
def test_unpublished_product_is_403(
    server: LiveServer, http: httpx.Client, shop: ServiceRef, via: str
) -> None:
    key = catalog.subscription(http, shop, "s1", "/products/gold", owner="ada")
    catalog.patch(http, shop, "/products/gold", {"state": "notPublished"})
    assert_refused(check(server, shop, "/echo", key, via), 403, "product-not-published")


def test_api_scope_covers_only_that_api(
    server: LiveServer, http: httpx.Client, shop: ServiceRef
) -> None:
    key = catalog.subscription(http, shop, "s1", "/apis/echo", owner="ada")
    assert check(server, shop, "/echo", key).status_code == 200
    assert_refused(check(server, shop, "/other", key), 403, "out-of-scope")


def test_all_apis_scope_and_master_cover_everything(
    server: LiveServer, http: httpx.Client, shop: ServiceRef
) -> None:
    key = catalog.subscription(http, shop, "s1", "/apis", owner="ada")
    master, _ = catalog.keys(http, shop, "master")
    for uri in ("/echo", "/other/deep/path"):
        assert check(server, shop, uri, key).status_code == 200
        allowed = check(server, shop, uri, master)
        assert allowed.status_code == 200
        assert "x-apidesk-user-id" not in allowed.headers


def test_api_without_required_key_passes_anonymously(
    server: LiveServer, http: httpx.Client, shop: ServiceRef
) -> None:
    catalog.api(http, shop, "public", "public", subscriptionRequired=False)
    response = check(server, shop, "/public/anything")
    assert response.status_code == 200
    assert response.headers["x-apidesk-reason"] == "open"
    assert response.headers["x-apidesk-api-id"] == "public"


def test_api_in_an_open_product_needs_no_key(
    server: LiveServer, http: httpx.Client, shop: ServiceRef
) -> None:
    catalog.api(http, shop, "docs", "docs")
    assert_refused(check(server, shop, "/docs"), 401, "key-missing")
    catalog.product(http, shop, "free", "docs", subscriptionRequired=False)
    assert check(server, shop, "/docs").status_code == 200


def test_longest_path_prefix_wins_and_case_is_ignored(
    server: LiveServer, http: httpx.Client, shop: ServiceRef
) -> None:
    catalog.api(http, shop, "echo2", "echo/v2")
    key = catalog.subscription(http, shop, "s1", "/apis/echo2", owner="ada")
    assert check(server, shop, "/ECHO/V2/items", key).headers["x-apidesk-api-id"] == "echo2"
    assert_refused(check(server, shop, "/echo/v1/items", key), 403, "out-of-scope")


def custom_api(http: httpx.Client, shop: ServiceRef) -> None:
    """API `custom`, whose key goes in header X-Api-Key or query parameter apikey."""
    catalog.api(
        http,
        shop,
        "custom",
        "custom",
        subscriptionKeyParameterNames={"header": "X-Api-Key", "query": "apikey"},
    )


def test_custom_key_names(server: LiveServer, http: httpx.Client, shop: ServiceRef) -> None:
    custom_api(http, shop)
    key = catalog.subscription(http, shop, "s1", "/apis/custom", owner="ada")
    url = f"{server.url}/gateway/{shop.name}/check"
    assert (
        httpx.get(url, headers={"X-Original-URI": "/custom", "X-Api-Key": key}).status_code == 200
    )
    assert httpx.get(url, headers={"X-Original-URI": f"/custom?apikey={key}"}).status_code == 200
    assert_refused(check(server, shop, "/custom", key), 401, "key-missing")


def test_custom_key_names_read_their_own_key_when_the_default_names_carry_another(
    server: LiveServer, http: httpx.Client, shop: ServiceRef
) -> None:
    """The check looks up the key under the default names along with the API; an API with
    names of its own is judged by the key under its names, whatever the default ones carry."""
    custom_api(http, shop)
    custom = catalog.subscription(http, shop, "s1", "/apis/custom", owner="ada")
    everything = catalog.subscription(http, shop, "s2", "/apis", owner="ada")
    url = f"{server.url}/gateway/{shop.name}/check"

    def ask(uri: str, **headers: str) -> httpx.Response:
        return httpx.get(url, headers={"X-Original-URI": uri, **headers})

    wrong = ask("/custom", **{HEADER: everything, "X-Api-Key": custom + "x"})
    assert_refused(wrong, 401, "key-invalid")
    right = ask("/custom", **{HEADER: everything, "X-Api-Key": custom})
    assert right.status_code == 200, right.text
    assert right.headers["x-apidesk-subscription-id"] == "s1"
    other = ask(f"/custom?subscription-key={custom}&apikey={everything}")
    assert other.status_code == 200, other.text
    assert other.headers["x-apidesk-subscription-id"] == "s2"
    same = ask("/custom", **{HEADER: custom, "X-Api-Key": custom})
    assert same.headers["x-apidesk-subscription-id"] == "s1"
    # The default names' key, valid for the API, counts for nothing under other names.
    assert_refused(ask("/custom", **{HEADER: everything}), 401, "key-missing")
    # Under the default names, that key's own subscription answers.
    echo = ask("/echo", **{HEADER: everything, "X-Api-Key": custom})
    assert echo.headers["x-apidesk-subscription-id"] == "s2"


def test_unknown_path_and_service(server: LiveServer, shop: ServiceRef) -> None:
    assert_refused(check(server, shop, "/nowhere"), 403, "api-not-found")
    stranger = ServiceRef(shop.subscription_id, shop.resource_group, "no-such-service")
    assert_refused(check(server, stranger, "/echo"), 403, "unknown-service")


def test_a_key_works_only_in_its_own_service(
    server: LiveServer, http: httpx.Client, shop: ServiceRef
) -> None:
    key = catalog.subscription(http, shop, "s1", "/apis", owner="ada")
    other = create_service(http)
    catalog.api(http, other, "echo", "echo")
    assert check(server, shop, "/echo", key).status_code == 200
    assert_refused(check(server, other, "/echo", key), 401, "key-invalid")


def test_every_change_applies_to_the_very_next_check(
    server: LiveServer, http: httpx.Client, shop: ServiceRef
) -> None:
    key = catalog.subscription(http, shop, "s1", "/products/gold", owner="ada")
    assert check(server, shop, "/echo", key).status_code == 200
    catalog.patch(http, shop, "/subscriptions/s1", {"state": "suspended"})
    assert_refused(check(server, shop, "/echo", key), 403, "subscription-inactive")
    catalog.patch(http, shop, "/subscriptions/s1", {"state": "active"})
    assert check(server, shop, "/echo", key).status_code == 200
    http.post(
        shop.url("/subscriptions/s1/regeneratePrimaryKey"), params=catalog.V
    ).raise_for_status()
    assert_refused(check(server, shop, "/echo", key), 401, "key-invalid")
    fresh, _ = catalog.keys(http, shop, "s1")
    assert check(server, shop, "/echo", fresh).status_code == 200
    http.delete(shop.url("/users/ada"), params=catalog.V, headers=catalog.ANY).raise_for_status()
    assert_refused(check(server, shop, "/echo", fresh), 403, "subscription-inactive")


def test_deleting_subscriptions_with_the_user_kills_the_key(
    server: LiveServer, http: httpx.Client, shop: ServiceRef
) -> None:
    key = catalog.subscription(http, shop, "s1", "/products/gold", owner="ada")
    http.delete(
        shop.url("/users/ada"),
        params={**catalog.V, "deleteSubscriptions": "true"},
        headers=catalog.ANY,
    ).raise_for_status()
    assert_refused(check(server, shop, "/echo", key), 401, "key-invalid")


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Forwarded-Uri": "/echo/items", "X-Forwarded-Method": "GET"},
        {},
    ],
    ids=["traefik", "envoy"],
)
def test_other_proxy_conventions(
    server: LiveServer, http: httpx.Client, shop: ServiceRef, headers: dict[str, str]
) -> None:
    key = catalog.subscription(http, shop, "s1", "/products/gold", owner="ada")
    url = f"{server.url}/gateway/{shop.name}/check"
    if not headers:  # Envoy appends the original path to the check path.
        url += "/echo/items"
    response = httpx.post(url, headers={**headers, HEADER: key})
    assert response.status_code == 200, response.text
    assert response.headers["x-apidesk-user-id"] == "ada"


def test_a_check_without_the_original_uri_is_a_configuration_error(
    server: LiveServer, shop: ServiceRef
) -> None:
    response = httpx.get(f"{server.url}/gateway/{shop.name}/check")
    assert response.status_code == 400
    assert response.headers["x-apidesk-reason"] == "no-original-uri"


def test_keys_never_reach_the_log(server: LiveServer, http: httpx.Client, shop: ServiceRef) -> None:
    key = catalog.subscription(http, shop, "s1", "/products/gold", owner="ada")
    check(server, shop, "/echo", key, "query")
    httpx.get(f"{server.url}/gateway/{shop.name}/check/echo?subscription-key={key}")
    assert key not in server.log()


def test_health(server: LiveServer) -> None:
    response = httpx.get(f"{server.url}/gateway/health")
    assert response.status_code == 200 and response.text == "ok"


@pytest.mark.parametrize(
    "uri",
    [
        "/echo/../other/x",
        "/echo/%2e%2e/other/x",
        "/echo/./x",
        "//other/echo/x",
        "/echo//x",
        "/echo%2fx",
        "/echo%5Cx",
        "/echo\\x",
        "/echo/a%00b",
        "echo/x",
    ],
)
def test_ambiguous_paths_are_refused(
    server: LiveServer, http: httpx.Client, shop: ServiceRef, uri: str
) -> None:
    key = catalog.subscription(http, shop, "s1", "/apis/echo", owner="ada")
    assert_refused(check(server, shop, uri, key), 403, "ambiguous-path")


@pytest.mark.parametrize(
    ("appended", "reason"),
    [
        ("/echo%2Fitems", "ambiguous-path"),  # one segment upstream, two if decoded here
        ("/echo/%2e%2e/other/x", "ambiguous-path"),
        ("/ech%256f/items", "api-not-found"),  # upstream sees `ech%6f`, not `echo`
        ("/echo/a%2500b", "key-missing"),  # a literal `%00`, harmless text
    ],
)
def test_envoy_paths_are_checked_as_sent(
    server: LiveServer, http: httpx.Client, shop: ServiceRef, appended: str, reason: str
) -> None:
    """Envoy appends the original path, still percent-encoded, to the check path. The check
    judges those exact bytes: never a path decoded once on the way in and again in the check."""
    key = catalog.subscription(http, shop, "s1", "/apis/echo", owner="ada")
    base = f"{server.url}/gateway/{shop.name}/check"
    with httpx.Client() as client:
        allowed = client.get(base + "/echo/items", headers={HEADER: key})
        assert allowed.status_code == 200, allowed.text
        headers = {} if reason == "key-missing" else {HEADER: key}
        refused = client.get(base + appended, headers=headers)
    assert_refused(refused, 401 if reason == "key-missing" else 403, reason)


def test_an_encoded_check_path_is_refused(server: LiveServer, shop: ServiceRef) -> None:
    """`check%2Fecho` routes like `check/echo` once decoded: the check path itself is spelled
    ambiguously, so nothing after it can be trusted."""
    response = httpx.get(f"{server.url}/gateway/{shop.name}/check%2Fecho/items")
    assert_refused(response, 403, "ambiguous-path")


def test_a_second_description_of_the_request_is_refused(
    server: LiveServer, http: httpx.Client, shop: ServiceRef
) -> None:
    catalog.api(http, shop, "public", "public", subscriptionRequired=False)
    url = f"{server.url}/gateway/{shop.name}/check"
    honest = httpx.get(url, headers={"X-Forwarded-Uri": "/echo/secret"})
    assert_refused(honest, 401, "key-missing")
    forged = httpx.get(
        url, headers={"X-Forwarded-Uri": "/echo/secret", "X-Original-URI": "/public/x"}
    )
    assert_refused(forged, 403, "conflicting-uri")
    same = httpx.get(url, headers={"X-Forwarded-Uri": "/public/x", "X-Original-URI": "/public/x"})
    assert same.status_code == 200


@pytest.mark.parametrize("name", ["a%00b", "-bad", "x" * 51])
def test_malformed_service_names_are_unknown(server: LiveServer, name: str) -> None:
    response = httpx.get(f"{server.url}/gateway/{name}/check", headers={"X-Original-URI": "/echo"})
    assert_refused(response, 403, "unknown-service")
