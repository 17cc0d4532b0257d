"""Groups and group users, driven through Azure's own SDK against a live `apidesk serve`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    GroupCreateParameters,
    GroupUpdateParameters,
    UserCreateParameters,
)
from support.sdk import client_for
from support.server import LiveServer, ServiceRef, create_service

V = {"api-version": "2024-05-01"}
SYSTEM_GROUPS = ("administrators", "developers", "guests")
GROUPS_TYPE = "Microsoft.ApiManagement/service/groups"
AAD_ID = "aad://contoso.onmicrosoft.com/groups/0f2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d"


def with_headers(pipeline_response: Any, deserialized: Any, headers: Any) -> tuple[Any, Any]:
    return deserialized, headers


class Statuses:
    """Pass as `cls=`: records each response's status code and returns the model."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def __call__(self, pipeline_response: Any, deserialized: Any, headers: Any) -> Any:
        self.seen.append(pipeline_response.http_response.status_code)
        return deserialized


def new_group(sdk: ApiManagementClient, service: ServiceRef, group_id: str, **fields: Any) -> Any:
    fields.setdefault("display_name", group_id.title())
    return sdk.group.create_or_update(
        service.resource_group, service.name, group_id, GroupCreateParameters(**fields)
    )


def new_user(sdk: ApiManagementClient, service: ServiceRef, user_id: str, **fields: Any) -> Any:
    return sdk.user.create_or_update(
        service.resource_group,
        service.name,
        user_id,
        UserCreateParameters(
            email=fields.pop("email", f"{user_id}@example.com"),
            first_name=fields.pop("first_name", "Ada"),
            last_name=fields.pop("last_name", "Lovelace"),
            **fields,
        ),
    )


def group_names(sdk: ApiManagementClient, service: ServiceRef, **kwargs: Any) -> list[str]:
    return [
        g.name for g in sdk.group.list_by_service(service.resource_group, service.name, **kwargs)
    ]


def member_names(
    sdk: ApiManagementClient, service: ServiceRef, group_id: str, **kwargs: Any
) -> list[str]:
    return [
        u.name
        for u in sdk.group_user.list(service.resource_group, service.name, group_id, **kwargs)
    ]


def etag_of(sdk: ApiManagementClient, service: ServiceRef, group_id: str) -> str:
    _, headers = sdk.group.get(service.resource_group, service.name, group_id, cls=with_headers)
    return str(headers["ETag"])


# --- Creating, reading and changing groups -----------------------------------------------------


def test_new_group_is_custom_and_not_built_in(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    group = new_group(sdk, service, "partners", display_name="Partners", description="<b>B2B</b>")
    assert group.name == "partners"
    assert group.id.endswith(f"/service/{service.name}/groups/partners")
    assert group.type == GROUPS_TYPE
    assert group.display_name == "Partners"
    assert group.description == "<b>B2B</b>"
    assert group.type_properties_type == "custom"
    assert group.built_in is False
    assert group.external_id is None
    fetched = sdk.group.get(service.resource_group, service.name, "partners")
    assert fetched.as_dict() == group.as_dict()


def test_put_answers_201_then_200_and_merges(sdk: ApiManagementClient, service: ServiceRef) -> None:
    statuses = Statuses()
    sdk.group.create_or_update(
        service.resource_group,
        service.name,
        "merge",
        GroupCreateParameters(display_name="Merge", description="first"),
        cls=statuses,
    )
    updated = sdk.group.create_or_update(
        service.resource_group,
        service.name,
        "merge",
        GroupCreateParameters(description="second"),
        cls=statuses,
    )
    assert statuses.seen == [201, 200]
    assert updated.display_name == "Merge"
    assert updated.description == "second"
    assert updated.type_properties_type == "custom"


def test_group_ids_are_case_insensitive_and_keep_their_casing(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_group(sdk, service, "MixedCase")
    assert sdk.group.get(service.resource_group, service.name, "mixedcase").name == "MixedCase"


def test_external_group_carries_its_external_id(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    group = new_group(sdk, service, "aadgroup", type="external", external_id=AAD_ID)
    assert group.type_properties_type == "external"
    assert group.external_id == AAD_ID
    assert group.built_in is False


def test_external_group_id_can_change_but_not_be_removed(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    new_group(sdk, service, "aad", type="external", external_id=AAD_ID)
    moved = AAD_ID.replace("0f2b", "1f2b")
    changed = sdk.group.update(
        service.resource_group,
        service.name,
        "aad",
        if_match="*",
        parameters=GroupUpdateParameters(external_id=moved),
    )
    assert changed.external_id == moved
    response = http.patch(
        service.url("/groups/aad"),
        params=V,
        json={"properties": {"externalId": None}},
        headers={"If-Match": "*"},
    )
    assert response.status_code == 400, response.text
    assert [d["target"] for d in response.json()["error"]["details"]] == ["externalId"]
    assert sdk.group.get(service.resource_group, service.name, "aad").external_id == moved


def test_external_group_without_external_id_is_refused(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        new_group(sdk, service, "noext", type="external")
    assert caught.value.status_code == 400
    assert caught.value.error.code == "ValidationError"
    assert [d.target for d in caught.value.error.details] == ["externalId"]
    with pytest.raises(ResourceNotFoundError):
        sdk.group.get(service.resource_group, service.name, "noext")


def test_system_type_cannot_be_created(sdk: ApiManagementClient, service: ServiceRef) -> None:
    with pytest.raises(HttpResponseError) as caught:
        new_group(sdk, service, "fake-system", type="system")
    assert caught.value.status_code == 400
    assert [d.target for d in caught.value.error.details] == ["type"]
    with pytest.raises(ResourceNotFoundError):
        sdk.group.get(service.resource_group, service.name, "fake-system")


@pytest.mark.parametrize("new_type", ["external", "system"])
def test_type_cannot_change_after_creation(
    sdk: ApiManagementClient, service: ServiceRef, new_type: str
) -> None:
    new_group(sdk, service, "fixed")
    with pytest.raises(HttpResponseError) as caught:
        sdk.group.update(
            service.resource_group,
            service.name,
            "fixed",
            if_match="*",
            parameters=GroupUpdateParameters(type=new_type, external_id=AAD_ID),
        )
    assert caught.value.status_code == 400
    assert "type" in [d.target for d in caught.value.error.details]
    group = sdk.group.get(service.resource_group, service.name, "fixed")
    assert group.type_properties_type == "custom"
    assert group.external_id is None


def test_patch_changes_only_the_given_fields(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_group(sdk, service, "patchme", display_name="Before", description="kept")
    patched = sdk.group.update(
        service.resource_group,
        service.name,
        "patchme",
        if_match=etag_of(sdk, service, "patchme"),
        parameters=GroupUpdateParameters(display_name="After"),
    )
    assert patched.display_name == "After"
    assert patched.description == "kept"


def test_etag_changes_on_every_write_and_head_returns_it(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    new_group(sdk, service, "tagged")
    first = etag_of(sdk, service, "tagged")
    assert sdk.group.get_entity_tag(service.resource_group, service.name, "tagged") is True
    head = http.head(service.url("/groups/tagged"), params=V)
    assert head.status_code == 200
    assert head.headers["ETag"] == first
    _, written = sdk.group.update(
        service.resource_group,
        service.name,
        "tagged",
        if_match=first,
        parameters=GroupUpdateParameters(description="changed"),
        cls=with_headers,
    )
    assert written["ETag"] != first
    assert etag_of(sdk, service, "tagged") == written["ETag"]


def test_missing_group_is_not_found(sdk: ApiManagementClient, service: ServiceRef) -> None:
    with pytest.raises(ResourceNotFoundError):
        sdk.group.get(service.resource_group, service.name, "ghost")
    with pytest.raises(ResourceNotFoundError):
        sdk.group.get_entity_tag(service.resource_group, service.name, "ghost")


def test_patch_with_stale_etag_is_refused(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_group(sdk, service, "stale", description="original")
    stale = etag_of(sdk, service, "stale")
    sdk.group.update(
        service.resource_group,
        service.name,
        "stale",
        if_match=stale,
        parameters=GroupUpdateParameters(description="one"),
    )
    with pytest.raises(HttpResponseError) as caught:
        sdk.group.update(
            service.resource_group,
            service.name,
            "stale",
            if_match=stale,
            parameters=GroupUpdateParameters(description="two"),
        )
    assert caught.value.status_code == 412
    assert caught.value.error.code == "PreconditionFailed"
    assert sdk.group.get(service.resource_group, service.name, "stale").description == "one"


def test_patch_without_if_match_is_refused(
    sdk: ApiManagementClient, service: ServiceRef, http: httpx.Client
) -> None:
    new_group(sdk, service, "noifmatch", description="original")
    response = http.patch(
        service.url("/groups/noifmatch"), params=V, json={"properties": {"description": "x"}}
    )
    assert response.status_code == 400, response.text
    assert [d["target"] for d in response.json()["error"]["details"]] == ["If-Match"]
    assert sdk.group.get(service.resource_group, service.name, "noifmatch").description == (
        "original"
    )


def test_put_with_stale_if_match_is_refused(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_group(sdk, service, "putstale", description="original")
    with pytest.raises(HttpResponseError) as caught:
        sdk.group.create_or_update(
            service.resource_group,
            service.name,
            "putstale",
            GroupCreateParameters(description="x"),
            if_match='"AAAAAAAAAAA="',
        )
    assert caught.value.status_code == 412
    assert sdk.group.get(service.resource_group, service.name, "putstale").description == (
        "original"
    )


# --- Deleting groups ---------------------------------------------------------------------------


def test_delete_answers_200_then_204_for_star(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_group(sdk, service, "doomed")
    statuses = Statuses()
    sdk.group.delete(
        service.resource_group,
        service.name,
        "doomed",
        if_match=etag_of(sdk, service, "doomed"),
        cls=statuses,
    )
    sdk.group.delete(service.resource_group, service.name, "doomed", if_match="*", cls=statuses)
    assert statuses.seen == [200, 204]
    with pytest.raises(ResourceNotFoundError):
        sdk.group.get(service.resource_group, service.name, "doomed")


def test_delete_with_stale_etag_keeps_the_group(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_group(sdk, service, "keeper")
    with pytest.raises(HttpResponseError) as caught:
        sdk.group.delete(service.resource_group, service.name, "keeper", if_match='"AAAAAAAAAAA="')
    assert caught.value.status_code == 412
    assert sdk.group.get_entity_tag(service.resource_group, service.name, "keeper") is True


def test_deleting_a_group_removes_memberships_and_product_links_but_not_users(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_group(sdk, service, "temp")
    new_user(sdk, service, "member")
    sdk.group_user.create(service.resource_group, service.name, "temp", "member")
    sdk.product_group.create_or_update(service.resource_group, service.name, "starter", "temp")
    sdk.group.delete(service.resource_group, service.name, "temp", if_match="*")

    assert sdk.user.get(service.resource_group, service.name, "member").name == "member"
    groups = [g.name for g in sdk.user_group.list(service.resource_group, service.name, "member")]
    assert groups == ["developers"]
    linked = [
        g.name
        for g in sdk.product_group.list_by_product(service.resource_group, service.name, "starter")
    ]
    assert linked == list(SYSTEM_GROUPS)
    links = sdk.product_group_link.list_by_product(service.resource_group, service.name, "starter")
    assert sorted(link.group_id.rsplit("/", 1)[-1] for link in links) == list(SYSTEM_GROUPS)
    # A group of the same name starts empty.
    new_group(sdk, service, "temp")
    assert member_names(sdk, service, "temp") == []


# --- System groups -----------------------------------------------------------------------------


def test_seed_system_groups(sdk: ApiManagementClient, service: ServiceRef) -> None:
    groups = list(sdk.group.list_by_service(service.resource_group, service.name))
    assert [g.name for g in groups] == list(SYSTEM_GROUPS)
    assert [g.display_name for g in groups] == ["Administrators", "Developers", "Guests"]
    for group in groups:
        assert group.built_in is True
        assert group.type_properties_type == "system"
        assert group.type == GROUPS_TYPE
        assert group.description


@pytest.mark.parametrize("group_id", SYSTEM_GROUPS)
def test_system_groups_cannot_be_renamed_changed_or_deleted(
    sdk: ApiManagementClient, service: ServiceRef, group_id: str
) -> None:
    before = sdk.group.get(service.resource_group, service.name, group_id).as_dict()
    attempts = [
        lambda: sdk.group.create_or_update(
            service.resource_group,
            service.name,
            group_id,
            GroupCreateParameters(display_name="Renamed"),
        ),
        lambda: sdk.group.update(
            service.resource_group,
            service.name,
            group_id,
            if_match="*",
            parameters=GroupUpdateParameters(description="mine now"),
        ),
        lambda: sdk.group.delete(service.resource_group, service.name, group_id, if_match="*"),
    ]
    for attempt in attempts:
        with pytest.raises(HttpResponseError) as caught:
            attempt()
        assert caught.value.status_code == 400
        assert caught.value.error.code == "ValidationError"
    assert sdk.group.get(service.resource_group, service.name, group_id).as_dict() == before


def test_system_group_put_that_changes_nothing_is_accepted(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    current = sdk.group.get(service.resource_group, service.name, "guests")
    statuses = Statuses()
    same = sdk.group.create_or_update(
        service.resource_group,
        service.name,
        "guests",
        GroupCreateParameters(display_name=current.display_name),
        cls=statuses,
    )
    assert statuses.seen == [200]
    assert same.as_dict() == current.as_dict()


@pytest.mark.parametrize("group_id", SYSTEM_GROUPS)
def test_system_group_membership_cannot_be_changed(
    sdk: ApiManagementClient, service: ServiceRef, group_id: str
) -> None:
    new_user(sdk, service, "dev")
    before = member_names(sdk, service, group_id)
    for change in (sdk.group_user.create, sdk.group_user.delete):
        for user_id in ("dev", "1"):
            with pytest.raises(HttpResponseError) as caught:
                change(service.resource_group, service.name, group_id, user_id)
            assert caught.value.status_code == 400
            assert caught.value.error.code == "ValidationError"
    assert member_names(sdk, service, group_id) == before


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
    response = http.put(service.url("/groups/bad"), params=V, json={"properties": properties})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "ValidationError"
    assert target in [d["target"] for d in error["details"]], error
    assert http.get(service.url("/groups/bad"), params=V).status_code == 404


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
    before = http.get(service.url("/groups/steady"), params=V)
    for method in ("PUT", "PATCH"):
        response = http.request(
            method,
            service.url("/groups/steady"),
            params=V,
            json={"properties": properties},
            headers={"If-Match": "*"},
        )
        assert response.status_code == 400, (method, response.text)
        assert target in [d["target"] for d in response.json()["error"]["details"]]
    after = http.get(service.url("/groups/steady"), params=V)
    assert after.json() == before.json()
    assert after.headers["ETag"] == before.headers["ETag"]
