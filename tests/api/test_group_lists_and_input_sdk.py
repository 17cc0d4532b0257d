"""Lists of groups (filters, paging), one service's groups unseen by another, and bad group
bodies refused without a change, driven through Azure's own SDK against a live
`apidesk serve`."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from support.groups import (
    AAD_ID,
    SYSTEM_GROUPS,
    V,
    group_names,
    member_names,
    new_group,
    new_user,
)
from support.refusals import create_is_refused, updates_are_refused
from support.sdk import client_for
from support.server import LiveServer, ServiceRef, create_service

# --- Listing groups ----------------------------------------------------------------------------


def test_paging_follows_next_link_through_every_page(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    for index in range(5):
        new_group(sdk, service, f"page{index}")
    pager = sdk.group.list_by_service(service.resource_group, service.name, top=3).by_page()
    pages = [[g.name for g in page] for page in pager]
    assert [len(page) for page in pages] == [3, 3, 2]
    assert [name for page in pages for name in page] == [
        *SYSTEM_GROUPS,
        *[f"page{i}" for i in range(5)],
    ]


def test_skip_and_count(sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client) -> None:
    for index in range(3):
        new_group(sdk, service, f"s{index}")
    body = http.get(service.url("/groups"), params={**V, "$top": 2, "$skip": 2}).json()
    assert body["count"] == 6
    assert [g["name"] for g in body["value"]] == ["guests", "s0"]
    assert parse_qs(urlparse(body["nextLink"]).query)["$skip"] == ["4"]
    last = http.get(body["nextLink"]).json()
    assert [g["name"] for g in last["value"]] == ["s1", "s2"]
    assert not last.get("nextLink")


@pytest.fixture
def filter_groups(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_group(sdk, service, "alpha", display_name="Alpha Team", description="internal staff")
    new_group(sdk, service, "beta", display_name="Beta Testers", description="early access")
    new_group(
        sdk,
        service,
        "gamma",
        display_name="Gamma Partners",
        type="external",
        external_id=AAD_ID,
    )


@pytest.mark.usefixtures("filter_groups")
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("name eq 'ALPHA'", {"alpha"}),
        ("name ne 'alpha' and name ne 'beta' and name ne 'gamma'", set(SYSTEM_GROUPS)),
        ("name gt 'beta' and name lt 'guests'", {"developers", "gamma"}),
        ("name ge 'beta' and name le 'developers'", {"beta", "developers"}),
        ("startswith(name,'a')", {"administrators", "alpha"}),
        ("endswith(displayName,'Testers')", {"beta"}),
        ("contains(displayName,'team')", {"alpha"}),
        ("substringof('part', displayName)", {"gamma"}),
        ("description eq 'early access'", {"beta"}),
        ("contains(description,'STAFF') or name eq 'guests'", {"alpha", "guests"}),
        ("displayName ne 'Alpha Team' and startswith(name,'a')", {"administrators"}),
        (f"externalId eq '{AAD_ID}'", {"gamma"}),
    ],
)
def test_group_filters(
    sdk: ApiManagementClient, service: ServiceRef, expression: str, expected: set[str]
) -> None:
    assert set(group_names(sdk, service, filter=expression)) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "externalId ne 'x'",
        "startswith(externalId,'aad')",
        "type eq 'custom'",
        "builtIn eq true",
        "state eq 'active'",
    ],
)
def test_group_filters_outside_the_table_are_refused(
    sdk: ApiManagementClient, service: ServiceRef, expression: str
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        group_names(sdk, service, filter=expression)
    assert caught.value.status_code == 400
    assert caught.value.error.code == "ValidationError"
    assert [d.target for d in caught.value.error.details] == ["$filter"]


# --- Isolation and bad input -------------------------------------------------------------------


def test_second_service_sees_none_of_the_first_ones_groups(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client, server: LiveServer
) -> None:
    new_group(sdk, service, "private")
    new_user(sdk, service, "insider")
    sdk.group_user.create(service.resource_group, service.name, "private", "insider")
    other = create_service(http)
    with client_for(server.url, server.token, other.subscription_id) as other_sdk:
        assert group_names(other_sdk, other) == list(SYSTEM_GROUPS)
        assert member_names(other_sdk, other, "developers") == ["1"]
        with pytest.raises(ResourceNotFoundError):
            other_sdk.group.get(other.resource_group, other.name, "private")
        # The same id is free in the other service and does not touch the first one.
        new_group(other_sdk, other, "private", display_name="Other Private")
    assert sdk.group.get(service.resource_group, service.name, "private").display_name == (
        "Private"
    )
    assert member_names(sdk, service, "private") == ["insider"]


BAD_GROUP_BODIES = [
    ("displayName too long", {"displayName": "x" * 301}, "displayName"),
    ("displayName empty", {"displayName": ""}, "displayName"),
    ("displayName missing", {"description": "no name"}, "displayName"),
    ("displayName as number", {"displayName": 42}, "displayName"),
    ("description too long", {"displayName": "G", "description": "d" * 1001}, "description"),
    ("type unknown", {"displayName": "G", "type": "weird"}, "type"),
    ("type system", {"displayName": "G", "type": "system"}, "type"),
    ("external without externalId", {"displayName": "G", "type": "external"}, "externalId"),
    ("custom with externalId", {"displayName": "G", "externalId": AAD_ID}, "externalId"),
]


@pytest.mark.parametrize(
    ("case", "properties", "target"), BAD_GROUP_BODIES, ids=[c[0] for c in BAD_GROUP_BODIES]
)
def test_bad_group_bodies_are_refused_and_create_nothing(
    http: httpx.Client, service: ServiceRef, case: str, properties: dict[str, Any], target: str
) -> None:
    create_is_refused(http, service.url("/groups/bad"), properties, target)


BAD_GROUP_UPDATES = [
    ("displayName too long", {"displayName": "x" * 301}, "displayName"),
    ("displayName null", {"displayName": None}, "displayName"),
    ("description too long", {"description": "d" * 1001}, "description"),
    ("type unknown", {"type": "weird"}, "type"),
    ("externalId on a custom group", {"externalId": AAD_ID}, "externalId"),
]


@pytest.mark.parametrize(
    ("case", "properties", "target"), BAD_GROUP_UPDATES, ids=[c[0] for c in BAD_GROUP_UPDATES]
)
def test_bad_group_updates_are_refused_and_change_nothing(
    sdk: ApiManagementClient,
    http: httpx.Client,
    service: ServiceRef,
    case: str,
    properties: dict[str, Any],
    target: str,
) -> None:
    new_group(sdk, service, "steady", display_name="Steady", description="as before")
    updates_are_refused(http, service.url("/groups/steady"), properties, target)
