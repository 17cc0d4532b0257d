"""Racing writers: exactly one wins, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from support.server import LiveServer, ServiceRef

V = {"api-version": "2024-05-01"}
RACERS = 50


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


def put_user(
    service: ServiceRef, user_id: str, email: str, first_name: str, last_name: str
) -> dict[str, Any]:
    """A PUT of a user with everything a new one needs, as `race` sends it."""
    properties = {"email": email, "firstName": first_name, "lastName": last_name}
    return {
        "method": "PUT",
        "url": service.url(f"/users/{user_id}"),
        "params": V,
        "json": {"properties": properties},
    }


def users_named(http: httpx.Client, service: ServiceRef, prefix: str) -> int:
    """How many users' ids start with `prefix`."""
    filter_ = f"startswith(name,'{prefix}')"
    return int(http.get(service.url("/users"), params={**V, "$filter": filter_}).json()["count"])


def test_fifty_patches_with_one_etag_have_one_winner(
    server: LiveServer, http: httpx.Client, service: ServiceRef
) -> None:
    body = {
        "properties": {"email": "race@example.com", "firstName": "Race", "lastName": "Condition"}
    }
    http.put(service.url("/users/racer"), params=V, json=body).raise_for_status()
    etag = http.get(service.url("/users/racer"), params=V).headers["etag"]
    responses = race(
        server,
        [
            {
                "method": "PATCH",
                "url": service.url("/users/racer"),
                "params": V,
                "headers": {"If-Match": etag},
                "json": {"properties": {"note": f"writer {index}"}},
            }
            for index in range(RACERS)
        ],
    )
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {200: 1, 412: RACERS - 1}, statuses
    winner = next(r for r in responses if r.status_code == 200)
    final = http.get(service.url("/users/racer"), params=V)
    assert final.json()["properties"]["note"] == winner.json()["properties"]["note"]
    assert final.headers["etag"] == winner.headers["etag"]
    assert all(
        r.json()["error"]["code"] == "PreconditionFailed" for r in responses if r.status_code == 412
    )


def test_fifty_puts_of_one_email_create_one_user(
    server: LiveServer, http: httpx.Client, service: ServiceRef
) -> None:
    responses = race(
        server,
        [
            put_user(
                service,
                f"twin{index}",
                "Twin@Example.com" if index % 2 else "twin@example.com",
                "Twin",
                str(index),
            )
            for index in range(RACERS)
        ],
    )
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 1, 409: RACERS - 1}, statuses
    assert users_named(http, service, "twin") == 1
    conflicts = [r.json()["error"] for r in responses if r.status_code == 409]
    assert all(detail["target"] == "email" for error in conflicts for detail in error["details"])


def test_fifty_puts_of_one_new_id_create_it_once_and_update_it_after(
    server: LiveServer, http: httpx.Client, service: ServiceRef
) -> None:
    """A PUT with everything a new user needs tries the insert first. The racers that find
    the id taken, once the winner's insert is in, update the user the winner made: one 201,
    the rest 200, one user, and the address stays its own (no conflict with itself)."""
    responses = race(
        server,
        [
            put_user(service, "samesake", "samesake@example.com", "Same", f"Racer {index}")
            for index in range(RACERS)
        ],
    )
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 1, 200: RACERS - 1}, statuses
    assert users_named(http, service, "samesake") == 1
    final = http.get(service.url("/users/samesake"), params=V).json()["properties"]
    assert final["email"] == "samesake@example.com"
    assert final["lastName"] in {f"Racer {index}" for index in range(RACERS)}
    registered = {r.json()["properties"]["registrationDate"] for r in responses}
    assert len(registered) == 1  # every answer is about the one user the winner made


def test_a_full_put_of_a_taken_address_changes_nothing(
    http: httpx.Client, service: ServiceRef
) -> None:
    """The insert-first create does nothing when the address belongs to another user: the
    answer is the conflict, and neither user nor any group membership is written."""
    http.put(
        service.url("/users/holder"),
        params=V,
        json={"properties": {"email": "held@example.com", "firstName": "H", "lastName": "O"}},
    ).raise_for_status()
    developers = service.url("/groups/developers/users")
    before = http.get(developers, params=V).json()["count"]
    taken = http.put(
        service.url("/users/grabber"),
        params=V,
        json={"properties": {"email": "HELD@example.com", "firstName": "G", "lastName": "R"}},
    )
    assert taken.status_code == 409, taken.text
    assert taken.json()["error"]["code"] == "IdentifierAlreadyInUse"
    assert http.get(service.url("/users/grabber"), params=V).status_code == 404
    assert http.get(developers, params=V).json()["count"] == before


def test_patches_with_if_match_star_all_win_one_after_another(
    server: LiveServer, http: httpx.Client, service: ServiceRef
) -> None:
    """`If-Match: *` means "whatever the version": concurrent changes of one entity wait for
    each other (the row is locked) instead of failing as if an ETag had been given."""
    http.put(
        service.url("/users/starred"),
        params=V,
        json={"properties": {"email": "starred@example.com", "firstName": "S", "lastName": "T"}},
    ).raise_for_status()
    http.put(
        service.url("/groups/starred"), params=V, json={"properties": {"displayName": "Starred"}}
    ).raise_for_status()
    http.put(
        service.url("/products/starred"),
        params=V,
        json={"properties": {"displayName": "Starred", "state": "published"}},
    ).raise_for_status()
    http.put(
        service.url("/subscriptions/starred"),
        params=V,
        json={"properties": {"scope": "/products/starred", "displayName": "Starred"}},
    ).raise_for_status()
    changes = {
        "/users/starred": lambda n: {"note": f"writer {n}"},
        "/groups/starred": lambda n: {"description": f"writer {n}"},
        "/products/starred": lambda n: {"description": f"writer {n}"},
        "/subscriptions/starred": lambda n: {"displayName": f"writer {n}"},
    }
    for path, change in changes.items():
        responses = race(
            server,
            [
                {
                    "method": "PATCH",
                    "url": service.url(path),
                    "params": V,
                    "headers": {"If-Match": "*"},
                    "json": {"properties": change(index)},
                }
                for index in range(20)
            ],
        )
        statuses = Counter(response.status_code for response in responses)
        assert statuses == {200: 20}, (path, statuses)
