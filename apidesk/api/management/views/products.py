from __future__ import annotations

from typing import Any

from apidesk.api.management.envelope import PROVIDER, child_id, drop_none, resource
from apidesk.api.management.views.users import group_properties
from apidesk.storage.models import Api, Group, Instance, Product, ProductApi, ProductGroup

PRODUCTS_TYPE = f"{PROVIDER}/service/products"
PRODUCT_GROUPS_TYPE = f"{PROVIDER}/service/products/groups"
GROUP_LINKS_TYPE = f"{PROVIDER}/service/products/groupLinks"
API_LINKS_TYPE = f"{PROVIDER}/service/products/apiLinks"


def product_properties(entity: Product, groups: list[Group] | None = None) -> dict[str, Any]:
    properties = drop_none(
        {
            "displayName": entity.display_name,
            "description": entity.description,
            "terms": entity.terms,
            "subscriptionRequired": entity.subscription_required,
            "approvalRequired": entity.approval_required,
            "subscriptionsLimit": entity.subscriptions_limit,
            "state": entity.state,
        }
    )
    if groups is not None:
        properties["groups"] = [group_properties(group) for group in groups]
    return properties


def product(
    instance: Instance, entity: Product, *, groups: list[Group] | None = None
) -> dict[str, Any]:
    return resource(
        child_id(instance, "products", entity.name),
        entity.name,
        PRODUCTS_TYPE,
        product_properties(entity, groups),
    )


def group_link(
    instance: Instance, product_name: str, link: ProductGroup, group: Group
) -> dict[str, Any]:
    return resource(
        child_id(instance, "products", product_name, "groupLinks", link.link_name),
        link.link_name,
        GROUP_LINKS_TYPE,
        {"groupId": child_id(instance, "groups", group.name)},
    )


def api_link(instance: Instance, product_name: str, link: ProductApi, api: Api) -> dict[str, Any]:
    return resource(
        child_id(instance, "products", product_name, "apiLinks", link.link_name),
        link.link_name,
        API_LINKS_TYPE,
        {"apiId": child_id(instance, "apis", api.name)},
    )
