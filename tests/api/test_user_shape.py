"""Which user answers carry `properties.groups`, as in Microsoft's 2024-05-01 examples: the
create-or-update answers (201 and 200) and GroupUser_Create carry an empty list; Get, Update
and the lists leave it out unless `expandGroups` asks for the memberships."""

from __future__ import annotations

from typing import Any

import httpx
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import GroupCreateParameters, UserCreateParameters
from support.server import ServiceRef

V = {"api-version": "2024-05-01"}
BODY = {"properties": {"email": "shape@example.com", "firstName": "S", "lastName": "Hape"}}


def properties(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json()["properties"])


def test_user_create_and_update_answers_carry_empty_groups(
    http: httpx.Client, service: ServiceRef
) -> None:
    created = properties(http.put(service.url("/users/shape"), params=V, json=BODY), 201)
    assert created["groups"] == []
    again = {"properties": {"note": "second put"}}
    updated = properties(http.put(service.url("/users/shape"), params=V, json=again), 200)
    assert updated["groups"] == []
    assert updated["note"] == "second put"


def test_user_get_patch_and_lists_leave_groups_out(http: httpx.Client, service: ServiceRef) -> None:
    http.put(service.url("/users/shape"), params=V, json=BODY).raise_for_status()
    assert "groups" not in properties(http.get(service.url("/users/shape"), params=V), 200)
    patched = http.patch(
        service.url("/users/shape"),
        params=V,
        json={"properties": {"note": "patched"}},
        headers={"If-Match": "*"},
    )
    assert "groups" not in properties(patched, 200)
    listed = http.get(service.url("/users"), params=V).json()["value"]
    assert all("groups" not in item["properties"] for item in listed)
    members = http.get(service.url("/groups/developers/users"), params=V).json()["value"]
    assert "shape" in [m["name"] for m in members]
    assert all("groups" not in item["properties"] for item in members)
    expanded = http.get(service.url("/users"), params={**V, "expandGroups": "true"}).json()
    mine = next(item for item in expanded["value"] if item["name"] == "shape")
    assert [g["displayName"] for g in mine["properties"]["groups"]] == ["Developers"]


def test_group_user_create_answers_carry_empty_groups(
    http: httpx.Client, service: ServiceRef
) -> None:
    http.put(service.url("/users/shape"), params=V, json=BODY).raise_for_status()
    http.put(
        service.url("/groups/team"), params=V, json={"properties": {"displayName": "Team"}}
    ).raise_for_status()
    added = http.put(service.url("/groups/team/users/shape"), params=V)
    body = added.json()
    assert properties(added, 201)["groups"] == []
    assert body["type"] == "Microsoft.ApiManagement/service/groups/users"
    assert (
        properties(http.put(service.url("/groups/team/users/shape"), params=V), 200)["groups"] == []
    )


def test_sdk_sees_an_empty_group_list_on_create(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    group, name = service.resource_group, service.name
    created = sdk.user.create_or_update(
        group,
        name,
        "sdkshape",
        UserCreateParameters(email="sdkshape@example.com", first_name="S", last_name="D"),
    )
    assert created.groups == []
    assert sdk.user.get(group, name, "sdkshape").groups is None
    sdk.group.create_or_update(group, name, "crew", GroupCreateParameters(display_name="Crew"))
    member = sdk.group_user.create(group, name, "crew", "sdkshape")
    assert member.groups == []
    assert member.email == "sdkshape@example.com"
