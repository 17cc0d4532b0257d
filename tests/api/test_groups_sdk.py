"""Groups driven through Azure's own SDK against a live `apidesk serve`: creating, reading,
changing and deleting them, and the system groups. A group's users are in
test_group_users_sdk.py; lists, isolation and bad input in test_group_lists_and_input_sdk.py."""

from __future__ import annotations

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    GroupCreateParameters,
    GroupUpdateParameters,
)
from support.groups import (
    AAD_ID,
    GROUPS_TYPE,
    SYSTEM_GROUPS,
    V,
    etag_of,
    member_names,
    new_group,
    new_user,
)
from support.sdk import Statuses, with_headers
from support.server import ServiceRef

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
