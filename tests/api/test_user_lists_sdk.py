"""Listing users through Azure's own SDK against a live `apidesk serve`: paging by
nextLink, $skip and count, $filter on every field, $expand of groups, and a user's own
(empty) list of subscriptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from support.groups import new_user
from support.server import ServiceRef


def test_paging_follows_next_link_through_every_page(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    for index in range(7):
        new_user(sdk, service, f"page{index}")
    pager = sdk.user.list_by_service(service.resource_group, service.name, top=3).by_page()
    pages = [list(page) for page in pager]
    assert [len(page) for page in pages] == [3, 3, 2]
    names = [user.name for page in pages for user in page]
    assert names == ["1", *[f"page{i}" for i in range(7)]]


def test_skip_and_count(http: Any, service: ServiceRef, sdk: ApiManagementClient) -> None:
    for index in range(4):
        new_user(sdk, service, f"s{index}")
    body = http.get(
        service.url("/users"), params={"api-version": "2024-05-01", "$top": 2, "$skip": 1}
    ).json()
    assert body["count"] == 5
    assert [u["name"] for u in body["value"]] == ["s0", "s1"]
    link = urlparse(body["nextLink"])
    assert link.scheme == "http" and link.netloc
    assert parse_qs(link.query)["$skip"] == ["3"]
    assert parse_qs(link.query)["$top"] == ["2"]
    last = http.get(body["nextLink"]).json()
    assert [u["name"] for u in last["value"]] == ["s2", "s3"]
    assert not last.get("nextLink")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("startswith(firstName,'Al')", {"alan", "alice"}),
        ("endswith(email,'@example.org')", {"alice"}),
        ("contains(lastName,'URI')", {"alan"}),
        ("substringof('uri', lastName)", {"alan"}),
        ("email eq 'BOB@example.com'", {"bob"}),
        ("email ne 'bob@example.com' and name ne '1'", {"alan", "alice"}),
        ("firstName gt 'Alb' and firstName lt 'Bz'", {"alice", "bob"}),
        ("note eq 'vip' or name eq 'bob'", {"alice", "bob"}),
        ("state eq 'blocked'", {"bob"}),
        ("not (state eq 'active')", {"bob"}),
        ("startswith(name,'a') and (note eq 'vip' or lastName eq 'Turing')", {"alan", "alice"}),
    ],
)
def test_filters(
    sdk: ApiManagementClient, service: ServiceRef, expression: str, expected: set[str]
) -> None:
    new_user(sdk, service, "alan", email="alan@example.com", first_name="Alan", last_name="Turing")
    new_user(
        sdk,
        service,
        "alice",
        email="alice@example.org",
        first_name="Alice",
        last_name="Liddell",
        note="vip",
    )
    new_user(
        sdk,
        service,
        "bob",
        email="bob@example.com",
        first_name="Bob",
        last_name="Builder",
        state="blocked",
    )
    found = {
        u.name
        for u in sdk.user.list_by_service(service.resource_group, service.name, filter=expression)
    }
    assert found == expected


def test_filter_on_registration_date(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_user(sdk, service, "dated")
    now = datetime.now(UTC)
    later = (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    earlier = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    after = {
        u.name
        for u in sdk.user.list_by_service(
            service.resource_group, service.name, filter=f"registrationDate ge {earlier}"
        )
    }
    before = {
        u.name
        for u in sdk.user.list_by_service(
            service.resource_group, service.name, filter=f"registrationDate gt {later}"
        )
    }
    assert "dated" in after
    assert before == set()


def test_expand_groups(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_user(sdk, service, "grouped")
    users = {
        u.name: u
        for u in sdk.user.list_by_service(service.resource_group, service.name, expand_groups=True)
    }
    assert [g.display_name for g in users["grouped"].groups] == ["Developers"]
    assert sorted(g.display_name for g in users["1"].groups) == ["Administrators", "Developers"]
    plain = {u.name: u for u in sdk.user.list_by_service(service.resource_group, service.name)}
    assert plain["grouped"].groups is None


def test_user_subscriptions_are_empty(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_user(sdk, service, "nosubs")
    assert list(sdk.user_subscription.list(service.resource_group, service.name, "nosubs")) == []
    with pytest.raises(ResourceNotFoundError):
        sdk.user_subscription.get(service.resource_group, service.name, "nosubs", "missing")
