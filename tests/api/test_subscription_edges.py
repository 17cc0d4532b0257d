"""Edge cases of subscriptions: swapping keys, ids of other services, dates at the limits."""

from __future__ import annotations

import httpx
import pytest
from support import catalog
from support.server import ServiceRef, create_service

V = {"api-version": "2024-05-01"}


def test_the_two_keys_can_be_swapped(http: httpx.Client, service: ServiceRef) -> None:
    catalog.api(http, service, "echo", "echo")
    catalog.subscription(http, service, "s1", "/apis/echo")
    primary, secondary = catalog.keys(http, service, "s1")
    swapped = http.patch(
        service.url("/subscriptions/s1"),
        params=V,
        headers=catalog.ANY,
        json={"properties": {"primaryKey": secondary, "secondaryKey": primary}},
    )
    assert swapped.status_code == 200, swapped.text
    assert catalog.keys(http, service, "s1") == (secondary, primary)


def test_an_id_of_another_service_is_not_taken_for_ours(
    http: httpx.Client, service: ServiceRef
) -> None:
    catalog.api(http, service, "echo", "echo")
    neighbour = create_service(http, name=service.name + "2")
    catalog.api(http, neighbour, "echo", "echo")
    foreign = f"{neighbour.path}/apis/echo"
    response = http.put(
        service.url("/subscriptions/s1"),
        params=V,
        json={"properties": {"scope": foreign, "displayName": "x"}},
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["target"] == "scope"


def test_a_naive_expiration_date_is_read_as_utc(http: httpx.Client, service: ServiceRef) -> None:
    catalog.api(http, service, "echo", "echo")
    catalog.subscription(http, service, "s1", "/apis/echo")
    response = http.patch(
        service.url("/subscriptions/s1"),
        params=V,
        headers=catalog.ANY,
        json={"properties": {"expirationDate": "2030-01-01T00:00:00"}},
    )
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["expirationDate"] == "2030-01-01T00:00:00.000Z"


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-14:00"])
def test_dates_beyond_the_calendar_are_400(
    http: httpx.Client, service: ServiceRef, moment: str
) -> None:
    catalog.api(http, service, "echo", "echo")
    catalog.subscription(http, service, "s1", "/apis/echo")
    response = http.patch(
        service.url("/subscriptions/s1"),
        params=V,
        headers=catalog.ANY,
        json={"properties": {"expirationDate": moment}},
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["target"] == "expirationDate"
    catalog.user(http, service, "ada")
    token = http.post(
        service.url("/users/ada/token"),
        params=V,
        json={"properties": {"keyType": "primary", "expiry": moment}},
    )
    assert token.status_code == 400
    assert token.json()["error"]["details"][0]["target"] == "expiry"


def test_ids_that_grow_when_lowercased_must_still_fit(
    http: httpx.Client, service: ServiceRef
) -> None:
    body = {"properties": {"email": "big@example.com", "firstName": "B", "lastName": "I"}}
    response = http.put(service.url("/users/" + "\u0130" * 80), params=V, json=body)
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["target"] == "userId"
    assert http.put(service.url("/users/" + "\u0130" * 40), params=V, json=body).status_code == 201


def test_a_null_field_on_create_is_reported_once(http: httpx.Client, service: ServiceRef) -> None:
    response = http.put(
        service.url("/subscriptions/s1"),
        params=V,
        json={"properties": {"scope": None, "displayName": None}},
    )
    assert response.status_code == 400
    assert [(d["target"], d["message"]) for d in response.json()["error"]["details"]] == [
        ("scope", "'scope' cannot be null."),
        ("displayName", "'displayName' cannot be null."),
    ]


def test_missing_fields_on_create_are_each_required(
    http: httpx.Client, service: ServiceRef
) -> None:
    response = http.put(service.url("/subscriptions/s1"), params=V, json={"properties": {}})
    assert response.status_code == 400
    assert [(d["target"], d["message"]) for d in response.json()["error"]["details"]] == [
        ("scope", "'scope' is required."),
        ("displayName", "'displayName' is required."),
    ]
