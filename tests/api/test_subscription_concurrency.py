"""Racing subscription writers, on SQLite and on PostgreSQL: keys stay unique and indexed,
subscriptionsLimit holds, and one id is created once."""

from __future__ import annotations

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from support.server import LiveServer, ServiceRef

from apidesk.domain.context import Runtime
from apidesk.storage.models import Instance, Subscription, SubscriptionKey

V = {"api-version": "2024-05-01"}
HEX32 = re.compile(r"^[0-9a-f]{32}$")
LIMIT_REACHED = "Subscriptions limit reached for same user"
RACERS = 20


def race(server: LiveServer, requests: list[dict[str, Any]]) -> list[httpx.Response]:
    """Send all requests at once: every thread waits at a barrier, then fires."""
    barrier = threading.Barrier(len(requests))
    clients = [server.client() for _ in requests]

    def fire(index: int) -> httpx.Response:
        barrier.wait()
        return clients[index].request(**requests[index])

    try:
        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            return list(pool.map(fire, range(len(requests))))
    finally:
        for client in clients:
            client.close()


def put_user(http: httpx.Client, service: ServiceRef, user_id: str) -> None:
    body = {
        "properties": {
            "email": f"{user_id}@example.com",
            "firstName": user_id.title(),
            "lastName": "Racer",
        }
    }
    response = http.put(service.url(f"/users/{user_id}"), params=V, json=body)
    assert response.status_code == 201, response.text


def put_product(http: httpx.Client, service: ServiceRef, product_id: str, limit: int) -> None:
    body = {
        "properties": {
            "displayName": product_id.title(),
            "subscriptionRequired": True,
            "approvalRequired": False,
            "subscriptionsLimit": limit,
            "state": "published",
        }
    }
    response = http.put(service.url(f"/products/{product_id}"), params=V, json=body)
    assert response.status_code == 201, response.text


def list_secrets(http: httpx.Client, service: ServiceRef, sid: str) -> httpx.Response:
    response = http.post(service.url(f"/subscriptions/{sid}/listSecrets"), params=V)
    assert response.status_code == 200, response.text
    return response


def key_rows(runtime: Runtime, service: ServiceRef, sid: str) -> list[tuple[str, str]]:
    """The (slot, digest) rows that index the keys of one subscription."""
    with runtime.database.unit_of_work(write=False) as session:
        instance = session.scalars(select(Instance).where(Instance.name == service.name)).one()
        subscription = session.scalars(
            select(Subscription).where(
                Subscription.instance_id == instance.id, Subscription.name_key == sid.lower()
            )
        ).one()
        rows = session.scalars(
            select(SubscriptionKey).where(SubscriptionKey.subscription_id == subscription.id)
        ).all()
        return sorted((row.slot, row.digest) for row in rows)


def instance_digests(runtime: Runtime, service: ServiceRef) -> set[str]:
    with runtime.database.unit_of_work(write=False) as session:
        instance = session.scalars(select(Instance).where(Instance.name == service.name)).one()
        return set(
            session.scalars(
                select(SubscriptionKey.digest).where(SubscriptionKey.instance_id == instance.id)
            ).all()
        )


@pytest.mark.parametrize("round_", range(3))
def test_two_racing_primary_key_regenerations_leave_one_fresh_indexed_key(
    server: LiveServer, http: httpx.Client, service: ServiceRef, runtime: Runtime, round_: int
) -> None:
    created = http.put(
        service.url("/subscriptions/rotating"),
        params=V,
        json={"properties": {"scope": "/apis", "displayName": "Rotating"}},
    )
    assert created.status_code == 201, created.text
    before = list_secrets(http, service, "rotating")
    original = before.json()
    responses = race(
        server,
        [
            {
                "method": "POST",
                "url": service.url("/subscriptions/rotating/regeneratePrimaryKey"),
                "params": V,
            }
            for _ in range(2)
        ],
    )
    statuses = Counter(response.status_code for response in responses)
    assert statuses[204] >= 1, statuses
    assert set(statuses) <= {204, 412}, statuses
    after = list_secrets(http, service, "rotating")
    keys = after.json()
    assert HEX32.match(keys["primaryKey"])
    assert keys["primaryKey"] != original["primaryKey"]
    assert keys["secondaryKey"] == original["secondaryKey"]
    assert after.headers["etag"] != before.headers["etag"]
    digest = runtime.secrets.lookup_digest
    assert key_rows(runtime, service, "rotating") == sorted(
        [("primary", digest(keys["primaryKey"])), ("secondary", digest(keys["secondaryKey"]))]
    )
    assert digest(original["primaryKey"]) not in instance_digests(runtime, service)


def test_racing_regenerations_of_both_keys_never_fail_the_server(
    server: LiveServer, http: httpx.Client, service: ServiceRef, runtime: Runtime
) -> None:
    created = http.put(
        service.url("/subscriptions/spinning"),
        params=V,
        json={"properties": {"scope": "/apis", "displayName": "Spinning"}},
    )
    assert created.status_code == 201, created.text
    original = list_secrets(http, service, "spinning").json()
    slots = ["regeneratePrimaryKey", "regenerateSecondaryKey"]
    responses = race(
        server,
        [
            {
                "method": "POST",
                "url": service.url(f"/subscriptions/spinning/{slots[i % 2]}"),
                "params": V,
            }
            for i in range(10)
        ],
    )
    statuses = Counter(response.status_code for response in responses)
    assert statuses[204] >= 1, statuses
    assert set(statuses) <= {204, 412}, statuses
    keys = list_secrets(http, service, "spinning").json()
    assert keys["primaryKey"] != keys["secondaryKey"]
    digest = runtime.secrets.lookup_digest
    assert key_rows(runtime, service, "spinning") == sorted(
        [("primary", digest(keys["primaryKey"])), ("secondary", digest(keys["secondaryKey"]))]
    )
    succeeded = {
        slots[i % 2] for i, response in enumerate(responses) if response.status_code == 204
    }
    if "regeneratePrimaryKey" in succeeded:
        assert keys["primaryKey"] != original["primaryKey"]
    if "regenerateSecondaryKey" in succeeded:
        assert keys["secondaryKey"] != original["secondaryKey"]


def test_twenty_racing_subscriptions_respect_a_limit_of_three(
    server: LiveServer, http: httpx.Client, service: ServiceRef
) -> None:
    put_user(http, service, "greedy")
    put_product(http, service, "scarce", limit=3)
    responses = race(
        server,
        [
            {
                "method": "PUT",
                "url": service.url(f"/subscriptions/greedy-{index}"),
                "params": V,
                "json": {
                    "properties": {
                        "scope": "/products/scarce",
                        "ownerId": "/users/greedy",
                        "displayName": f"Greedy {index}",
                    }
                },
            }
            for index in range(RACERS)
        ],
    )
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 3, 400: RACERS - 3}, statuses
    refusals = [r.json()["error"] for r in responses if r.status_code == 400]
    assert all(error["message"] == LIMIT_REACHED for error in refusals), refusals
    listed = http.get(service.url("/products/scarce/subscriptions"), params=V).json()
    assert listed["count"] == 3
    winners = {r.json()["name"] for r in responses if r.status_code == 201}
    assert {item["name"] for item in listed["value"]} == winners


def race_puts_of_one_id(
    server: LiveServer, service: ServiceRef, sid: str, scope: str, owner: str
) -> list[httpx.Response]:
    return race(
        server,
        [
            {
                "method": "PUT",
                "url": service.url(f"/subscriptions/{sid}"),
                "params": V,
                "json": {
                    "properties": {
                        "scope": scope,
                        "ownerId": f"/users/{owner}",
                        "displayName": f"Twin {index}",
                    }
                },
            }
            for index in range(RACERS)
        ],
    )


def outcome(responses: list[httpx.Response]) -> tuple[Counter[int], list[str]]:
    """The status counts, and the bodies of the answers that were not 200/201/409/412."""
    statuses = Counter(response.status_code for response in responses)
    odd = [r.text for r in responses if r.status_code not in (200, 201, 409, 412)]
    return statuses, odd[:3]


def test_twenty_racing_puts_of_one_id_create_it_once(
    server: LiveServer, http: httpx.Client, service: ServiceRef, runtime: Runtime
) -> None:
    put_user(http, service, "twin")
    responses = race_puts_of_one_id(server, service, "twin-sub", "/apis", "twin")
    statuses, odd = outcome(responses)
    assert statuses[201] == 1, (statuses, odd)
    assert not odd, (statuses, odd)
    listed = http.get(
        service.url("/subscriptions"), params={**V, "$filter": "name eq 'twin-sub'"}
    ).json()
    assert listed["count"] == 1
    user_listed = http.get(service.url("/users/twin/subscriptions"), params=V).json()
    assert [item["name"] for item in user_listed["value"]] == ["twin-sub"]
    keys = list_secrets(http, service, "twin-sub").json()
    digest = runtime.secrets.lookup_digest
    assert key_rows(runtime, service, "twin-sub") == sorted(
        [("primary", digest(keys["primaryKey"])), ("secondary", digest(keys["secondaryKey"]))]
    )


def test_racing_puts_of_one_id_to_a_limited_product_are_not_refused_by_the_limit(
    server: LiveServer, http: httpx.Client, service: ServiceRef
) -> None:
    """`starter` allows one subscription per user. All twenty PUTs name the same subscription,
    so serialized they are one create and nineteen updates of it ("already subscribed"): the
    limit is never the answer, whichever backend runs and however the requests interleave."""
    put_user(http, service, "twin")
    responses = race_puts_of_one_id(server, service, "twin-sub", "/products/starter", "twin")
    statuses, odd = outcome(responses)
    assert statuses[201] == 1, (statuses, odd)
    assert not odd, (statuses, odd)
    listed = http.get(service.url("/users/twin/subscriptions"), params=V).json()
    assert [item["name"] for item in listed["value"]] == ["twin-sub"]
