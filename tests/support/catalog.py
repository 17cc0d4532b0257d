"""Arrange APIs, products, users and subscriptions over the management API, tersely."""

from __future__ import annotations

from typing import Any

import httpx
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}
ANY = {"If-Match": "*"}


def put(
    http: httpx.Client, service: ServiceRef, path: str, properties: dict[str, Any] | None = None
) -> dict[str, Any]:
    body = {"properties": properties} if properties is not None else None
    response = (
        http.put(service.url(path), params=V, json=body)
        if body
        else http.put(service.url(path), params=V)
    )
    assert response.status_code in (200, 201), response.text
    return response.json() if response.content else {}


def patch(
    http: httpx.Client, service: ServiceRef, path: str, properties: dict[str, Any]
) -> dict[str, Any]:
    response = http.patch(service.url(path), params=V, headers=ANY, json={"properties": properties})
    assert response.status_code == 200, response.text
    return response.json()


def api(
    http: httpx.Client, service: ServiceRef, api_id: str, path: str, **properties: Any
) -> dict[str, Any]:
    return put(
        http, service, f"/apis/{api_id}", {"displayName": api_id, "path": path, **properties}
    )


def product(
    http: httpx.Client, service: ServiceRef, product_id: str, *apis: str, **properties: Any
) -> None:
    put(
        http,
        service,
        f"/products/{product_id}",
        {"displayName": product_id, "state": "published", **properties},
    )
    for api_id in apis:
        put(http, service, f"/products/{product_id}/apis/{api_id}")


def user(http: httpx.Client, service: ServiceRef, user_id: str, **properties: Any) -> None:
    put(
        http,
        service,
        f"/users/{user_id}",
        {"email": f"{user_id}@example.com", "firstName": "Api", "lastName": "Caller", **properties},
    )


def invite(http: httpx.Client, service: ServiceRef, user_id: str, email: str) -> None:
    """Invite a user by e-mail (`confirmation: invite`, `notify=true`): pending, link sent."""
    response = http.put(
        service.url(f"/users/{user_id}"),
        params={**V, "notify": "true"},
        json={
            "properties": {
                "email": email,
                "firstName": "Ivy",
                "lastName": "Invitee",
                "confirmation": "invite",
            }
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["properties"]["state"] == "pending"


def subscription(
    http: httpx.Client,
    service: ServiceRef,
    sid: str,
    scope: str,
    owner: str | None = None,
    state: str = "active",
) -> str:
    """Create a subscription and return its primary key."""
    properties: dict[str, Any] = {"scope": scope, "displayName": sid, "state": state}
    if owner:
        properties["ownerId"] = f"/users/{owner}"
    put(http, service, f"/subscriptions/{sid}", properties)
    return keys(http, service, sid)[0]


def keys(http: httpx.Client, service: ServiceRef, sid: str) -> tuple[str, str]:
    response = http.post(service.url(f"/subscriptions/{sid}/listSecrets"), params=V)
    assert response.status_code == 200, response.text
    body = response.json()
    return body["primaryKey"], body["secondaryKey"]
