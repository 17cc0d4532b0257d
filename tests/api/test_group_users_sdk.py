"""A group's users (adding, checking and removing members, and listing them with filters and
paging), driven through Azure's own SDK against a live `apidesk serve`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from support.groups import (
    member_names,
    new_group,
    new_user,
)
from support.sdk import Statuses
from support.server import ServiceRef

# --- Group users -------------------------------------------------------------------------------


def test_new_users_join_developers_and_the_admin_is_an_administrator(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_user(sdk, service, "newbie")
    assert member_names(sdk, service, "developers") == ["1", "newbie"]
    assert member_names(sdk, service, "administrators") == ["1"]
    assert member_names(sdk, service, "guests") == []
    groups = list(sdk.user_group.list(service.resource_group, service.name, "1"))
    assert [g.name for g in groups] == ["administrators", "developers"]
    assert {g.type for g in groups} == {"Microsoft.ApiManagement/service/users/groups"}


def test_adding_a_member_answers_201_then_200_with_the_top_level_user(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_group(sdk, service, "club")
    new_user(sdk, service, "joiner", first_name="Joan")
    statuses = Statuses()
    added = sdk.group_user.create(
        service.resource_group, service.name, "club", "joiner", cls=statuses
    )
    again = sdk.group_user.create(
        service.resource_group, service.name, "club", "JOINER", cls=statuses
    )
    assert statuses.seen == [201, 200]
    assert added.name == "joiner"
    assert added.type == "Microsoft.ApiManagement/service/groups/users"
    assert added.id.endswith(f"/service/{service.name}/users/joiner")
    assert "/groups/" not in added.id
    assert added.first_name == "Joan"
    assert again.id == added.id
    assert member_names(sdk, service, "club") == ["joiner"]
    groups = [g.name for g in sdk.user_group.list(service.resource_group, service.name, "joiner")]
    assert groups == ["developers", "club"]


def test_listed_members_have_the_group_users_type_and_top_level_ids(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_group(sdk, service, "listed")
    new_user(sdk, service, "m1")
    sdk.group_user.create(service.resource_group, service.name, "listed", "m1")
    (member,) = sdk.group_user.list(service.resource_group, service.name, "listed")
    assert member.type == "Microsoft.ApiManagement/service/groups/users"
    assert member.id.endswith(f"/service/{service.name}/users/m1")


def test_check_membership(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_group(sdk, service, "checked")
    new_user(sdk, service, "inside")
    new_user(sdk, service, "outside")
    sdk.group_user.create(service.resource_group, service.name, "checked", "inside")
    exists = sdk.group_user.check_entity_exists
    assert exists(service.resource_group, service.name, "checked", "inside") is True
    assert exists(service.resource_group, service.name, "checked", "outside") is False
    assert exists(service.resource_group, service.name, "developers", "outside") is True
    assert exists(service.resource_group, service.name, "administrators", "outside") is False


def test_removing_a_member_answers_200_then_204(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_group(sdk, service, "leavers")
    new_user(sdk, service, "leaver")
    sdk.group_user.create(service.resource_group, service.name, "leavers", "leaver")
    statuses = Statuses()
    for _ in range(2):
        sdk.group_user.delete(
            service.resource_group, service.name, "leavers", "leaver", cls=statuses
        )
    assert statuses.seen == [200, 204]
    assert member_names(sdk, service, "leavers") == []
    assert sdk.user.get(service.resource_group, service.name, "leaver").name == "leaver"


def test_adding_a_missing_user_or_to_a_missing_group_is_not_found(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_group(sdk, service, "real")
    new_user(sdk, service, "someone")
    with pytest.raises(ResourceNotFoundError):
        sdk.group_user.create(service.resource_group, service.name, "real", "nobody")
    with pytest.raises(ResourceNotFoundError):
        sdk.group_user.create(service.resource_group, service.name, "nogroup", "someone")
    assert member_names(sdk, service, "real") == []


def test_members_of_a_missing_group_are_not_found(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    with pytest.raises(ResourceNotFoundError):
        member_names(sdk, service, "ghost")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("startswith(firstName,'Al')", {"alan", "alice"}),
        ("lastName eq 'TURING'", {"alan"}),
        ("endswith(email,'@example.org')", {"alice"}),
        ("contains(note,'vip')", {"alice"}),
        ("name ne 'alan'", {"alice", "bob"}),
        ("firstName gt 'Alb' and firstName lt 'Bz'", {"alice", "bob"}),
        ("substringof('uild', lastName) or name eq 'alan'", {"alan", "bob"}),
    ],
)
def test_group_user_filters(
    sdk: ApiManagementClient, service: ServiceRef, expression: str, expected: set[str]
) -> None:
    new_group(sdk, service, "crew")
    new_user(sdk, service, "alan", first_name="Alan", last_name="Turing")
    new_user(
        sdk, service, "alice", email="alice@example.org", first_name="Alice", note="vip member"
    )
    new_user(sdk, service, "bob", first_name="Bob", last_name="Builder", state="blocked")
    new_user(sdk, service, "outsider", first_name="Alfred")
    for user_id in ("alan", "alice", "bob"):
        sdk.group_user.create(service.resource_group, service.name, "crew", user_id)
    assert set(member_names(sdk, service, "crew", filter=expression)) == expected


def test_group_user_filter_on_registration_date(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_group(sdk, service, "dated")
    new_user(sdk, service, "recent")
    sdk.group_user.create(service.resource_group, service.name, "dated", "recent")
    earlier = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    later = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert member_names(sdk, service, "dated", filter=f"registrationDate ge {earlier}") == [
        "recent"
    ]
    assert member_names(sdk, service, "dated", filter=f"registrationDate gt {later}") == []


@pytest.mark.parametrize("expression", ["state eq 'active'", "groups eq 'x'", "displayName eq 'x'"])
def test_group_user_filters_outside_the_table_are_refused(
    sdk: ApiManagementClient, service: ServiceRef, expression: str
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        member_names(sdk, service, "developers", filter=expression)
    assert caught.value.status_code == 400
    assert [d.target for d in caught.value.error.details] == ["$filter"]


def test_group_users_page_through_next_link(sdk: ApiManagementClient, service: ServiceRef) -> None:
    for index in range(4):
        new_user(sdk, service, f"dev{index}")
    pager = sdk.group_user.list(service.resource_group, service.name, "developers", top=2).by_page()
    pages = [[u.name for u in page] for page in pager]
    assert pages == [["1", "dev0"], ["dev1", "dev2"], ["dev3"]]
