"""A product's groups, through both of APIM's views of them (product groups and product group
links), driven through Azure's own SDK against a live `apidesk serve`."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    ProductGroupLinkContract,
)
from support.products import (
    SYSTEM_GROUPS,
    UPPER_GUID,
    group_links,
    linked_groups,
    new_group,
    new_product,
)
from support.sdk import Statuses, with_headers
from support.server import ServiceRef

# --- Product groups ----------------------------------------------------------------------------


def test_linking_a_group_answers_201_then_200_with_the_group(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_product(sdk, service, "club")
    new_group(sdk, service, "members", display_name="Members")
    statuses = Statuses()
    linked = sdk.product_group.create_or_update(
        service.resource_group, service.name, "club", "members", cls=statuses
    )
    sdk.product_group.create_or_update(
        service.resource_group, service.name, "club", "MEMBERS", cls=statuses
    )
    assert statuses.seen == [201, 200]
    assert linked.name == "members"
    assert linked.display_name == "Members"
    assert linked.type == "Microsoft.ApiManagement/service/products/groups"
    assert linked.id == f"{service.path}/groups/members"
    assert linked_groups(sdk, service, "club") == ["members"]


def test_listed_product_groups_have_nested_ids(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    (admins, *_) = sdk.product_group.list_by_product(
        service.resource_group, service.name, "starter"
    )
    assert admins.id == f"{service.path}/products/starter/groups/administrators"
    assert admins.type == "Microsoft.ApiManagement/service/products/groups"
    assert admins.built_in is True


def test_check_product_group(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_product(sdk, service, "checked")
    sdk.product_group.create_or_update(service.resource_group, service.name, "checked", "guests")
    check = sdk.product_group.check_entity_exists
    assert check(service.resource_group, service.name, "checked", "guests") is True
    # This SDK method accepts only 204, so a missing link surfaces as an error.
    with pytest.raises(ResourceNotFoundError):
        check(service.resource_group, service.name, "checked", "developers")


def test_unlinking_a_group_answers_200_then_204(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_product(sdk, service, "unlinked")
    sdk.product_group.create_or_update(
        service.resource_group, service.name, "unlinked", "developers"
    )
    statuses = Statuses()
    for _ in range(2):
        sdk.product_group.delete(
            service.resource_group, service.name, "unlinked", "developers", cls=statuses
        )
    assert statuses.seen == [200, 204]
    assert linked_groups(sdk, service, "unlinked") == []
    assert group_links(sdk, service, "unlinked") == {}


def test_linking_a_missing_group_is_not_found(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_product(sdk, service, "lonely")
    with pytest.raises(ResourceNotFoundError):
        sdk.product_group.create_or_update(service.resource_group, service.name, "lonely", "nope")
    with pytest.raises(ResourceNotFoundError):
        sdk.product_group.create_or_update(
            service.resource_group, service.name, "nothing", "developers"
        )
    assert linked_groups(sdk, service, "lonely") == []


@pytest.fixture
def vip_on_starter(sdk: ApiManagementClient, service: ServiceRef) -> None:
    new_group(sdk, service, "vip", display_name="VIP", description="very important")
    sdk.product_group.create_or_update(service.resource_group, service.name, "starter", "vip")


@pytest.mark.usefixtures("vip_on_starter")
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("name eq 'GUESTS'", {"guests"}),
        ("name gt 'developers'", {"guests", "vip"}),
        ("name le 'developers'", {"administrators", "developers"}),
        ("displayName eq 'Administrators'", {"administrators"}),
        ("displayName ne 'Guests'", {"administrators", "developers", "vip"}),
        ("description eq 'very important'", {"vip"}),
        ("description ne 'very important' and name lt 'g'", {"administrators", "developers"}),
    ],
)
def test_product_group_filters(
    sdk: ApiManagementClient, service: ServiceRef, expression: str, expected: set[str]
) -> None:
    assert set(linked_groups(sdk, service, "starter", filter=expression)) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "startswith(name,'a')",
        "contains(displayName,'dev')",
        "displayName gt 'A'",
        "description le 'z'",
        "externalId eq 'x'",
    ],
)
def test_product_group_filters_outside_the_table_are_refused(
    sdk: ApiManagementClient, service: ServiceRef, expression: str
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        linked_groups(sdk, service, "starter", filter=expression)
    assert caught.value.status_code == 400
    assert [d.target for d in caught.value.error.details] == ["$filter"]


# --- Product group links -----------------------------------------------------------------------


@pytest.mark.parametrize("form", ["full", "short"])
def test_group_link_answers_201_then_200(
    sdk: ApiManagementClient, service: ServiceRef, form: str
) -> None:
    new_product(sdk, service, "linked")
    group_id = f"{service.path}/groups/guests" if form == "full" else "/groups/guests"
    statuses = Statuses()
    for _ in range(2):
        link = sdk.product_group_link.create_or_update(
            service.resource_group,
            service.name,
            "linked",
            "link1",
            ProductGroupLinkContract(group_id=group_id),
            cls=statuses,
        )
    assert statuses.seen == [201, 200]
    assert link.name == "link1"
    assert link.group_id == f"{service.path}/groups/guests"
    assert link.type == "Microsoft.ApiManagement/service/products/groupLinks"
    assert link.id == f"{service.path}/products/linked/groupLinks/link1"
    fetched = sdk.product_group_link.get(service.resource_group, service.name, "linked", "LINK1")
    assert fetched.as_dict() == link.as_dict()


def test_group_link_get_returns_an_etag(sdk: ApiManagementClient, service: ServiceRef) -> None:
    (name, _), *_ = group_links(sdk, service, "starter").items()
    _, headers = sdk.product_group_link.get(
        service.resource_group, service.name, "starter", name, cls=with_headers
    )
    assert headers["ETag"]


def test_a_link_name_cannot_move_to_another_group(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_product(sdk, service, "moving")
    sdk.product_group_link.create_or_update(
        service.resource_group,
        service.name,
        "moving",
        "link1",
        ProductGroupLinkContract(group_id="/groups/guests"),
    )
    with pytest.raises(ResourceExistsError):
        sdk.product_group_link.create_or_update(
            service.resource_group,
            service.name,
            "moving",
            "link1",
            ProductGroupLinkContract(group_id="/groups/developers"),
        )
    assert group_links(sdk, service, "moving") == {"link1": "guests"}


def test_a_new_link_name_for_an_already_linked_group_adds_no_second_link(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    statuses = Statuses()
    link = sdk.product_group_link.create_or_update(
        service.resource_group,
        service.name,
        "starter",
        "another",
        ProductGroupLinkContract(group_id="/groups/developers"),
        cls=statuses,
    )
    assert statuses.seen == [200]
    assert link.group_id == f"{service.path}/groups/developers"
    assert sorted(group_links(sdk, service, "starter").values()) == SYSTEM_GROUPS
    assert linked_groups(sdk, service, "starter") == SYSTEM_GROUPS


def test_deleting_a_group_link_answers_200_then_204(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_product(sdk, service, "unlinking")
    sdk.product_group_link.create_or_update(
        service.resource_group,
        service.name,
        "unlinking",
        "link1",
        ProductGroupLinkContract(group_id="/groups/developers"),
    )
    statuses = Statuses()
    for _ in range(2):
        sdk.product_group_link.delete(
            service.resource_group, service.name, "unlinking", "link1", cls=statuses
        )
    assert statuses.seen == [200, 204]
    with pytest.raises(ResourceNotFoundError):
        sdk.product_group_link.get(service.resource_group, service.name, "unlinking", "link1")


@pytest.mark.parametrize("form", ["full", "short"])
def test_group_links_filter_on_group_id(
    sdk: ApiManagementClient, service: ServiceRef, form: str
) -> None:
    prefix = service.path if form == "full" else ""
    found = group_links(sdk, service, "starter", filter=f"groupId eq '{prefix}/groups/developers'")
    assert list(found.values()) == ["developers"]
    others = group_links(sdk, service, "starter", filter=f"groupId ne '{prefix}/groups/guests'")
    assert sorted(others.values()) == ["administrators", "developers"]


def test_group_links_filter_with_functions(sdk: ApiManagementClient, service: ServiceRef) -> None:
    found = group_links(sdk, service, "starter", filter="endswith(groupId,'/groups/guests')")
    assert list(found.values()) == ["guests"]
    with pytest.raises(HttpResponseError) as caught:
        group_links(sdk, service, "starter", filter="name eq 'x'")
    assert caught.value.status_code == 400


def test_a_link_made_as_a_product_group_shows_as_a_group_link_and_back(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_product(sdk, service, "both")
    new_group(sdk, service, "viaold")
    new_group(sdk, service, "vianew")
    sdk.product_group.create_or_update(service.resource_group, service.name, "both", "viaold")
    sdk.product_group_link.create_or_update(
        service.resource_group,
        service.name,
        "both",
        "newlink",
        ProductGroupLinkContract(group_id=f"{service.path}/groups/vianew"),
    )
    links = group_links(sdk, service, "both")
    assert sorted(links.values()) == ["vianew", "viaold"]
    generated = next(name for name, group in links.items() if group == "viaold")
    assert UPPER_GUID.match(generated)
    assert links["newlink"] == "vianew"
    assert linked_groups(sdk, service, "both") == ["viaold", "vianew"]
    check = sdk.product_group.check_entity_exists
    assert check(service.resource_group, service.name, "both", "vianew") is True
    # Linking the group again through the other view is "already linked".
    statuses = Statuses()
    sdk.product_group.create_or_update(
        service.resource_group, service.name, "both", "vianew", cls=statuses
    )
    assert statuses.seen == [200]
    assert len(group_links(sdk, service, "both")) == 2


def test_unlinking_through_one_view_removes_it_from_the_other(
    sdk: ApiManagementClient, service: ServiceRef
) -> None:
    new_product(sdk, service, "split")
    sdk.product_group.create_or_update(service.resource_group, service.name, "split", "guests")
    sdk.product_group_link.create_or_update(
        service.resource_group,
        service.name,
        "split",
        "devlink",
        ProductGroupLinkContract(group_id="/groups/developers"),
    )
    guests_link = next(n for n, g in group_links(sdk, service, "split").items() if g == "guests")
    sdk.product_group_link.delete(service.resource_group, service.name, "split", guests_link)
    sdk.product_group.delete(service.resource_group, service.name, "split", "developers")
    assert linked_groups(sdk, service, "split") == []
    assert group_links(sdk, service, "split") == {}
