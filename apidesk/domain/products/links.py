"""What a product is linked to: the groups that may see it and the APIs it contains.

APIM shows the product-group relation twice, as `products/{p}/groups/{g}` and as
`products/{p}/groupLinks/{link}`; here it is one row, so the two views never disagree.
"""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy import and_, literal, select

from apidesk.domain import audit, validation
from apidesk.domain.apis import service as apis
from apidesk.domain.context import InstanceContext
from apidesk.domain.groups import service as groups
from apidesk.domain.products.service import get_or_raise
from apidesk.errors import Collided, Conflict, NotFound
from apidesk.query import FieldKind, ListQuery, Page
from apidesk.storage.filtering import Column
from apidesk.storage.integrity import insert_unless_taken
from apidesk.storage.models import Api, Group, Product, ProductApi, ProductGroup
from apidesk.storage.paging import fetch_page

L = TypeVar("L", ProductGroup, ProductApi)

LINK_ID_MAX = 80
PRODUCT_GROUP_COLUMNS = {
    "name": Column(Group.name, FieldKind.TEXT),
    "displayName": Column(Group.display_name, FieldKind.TEXT),
    "description": Column(Group.description, FieldKind.TEXT),
}


def _link(ctx: InstanceContext, product: Product, group: Group) -> ProductGroup | None:
    return ctx.session.get(ProductGroup, (product.id, group.id))


def _taken(link: L | None, product: Product) -> L:
    """The link a concurrent request made first; had it taken only the link's name, the add
    is refused as a conflict."""
    if link is None:
        raise Collided(f"A link of product '{product.name}' with this name was just made.")
    return link


def link_group(
    ctx: InstanceContext, product_id: str, group_id: str, *, link_name: str | None = None
) -> tuple[ProductGroup, Group, bool]:
    """Let the group see the product; False when it already could."""
    product = get_or_raise(ctx, product_id)
    group = groups.get_or_raise(ctx, group_id)
    existing = _link(ctx, product, group)
    if existing is not None:
        return existing, group, False
    name = link_name or str(uuid.uuid4()).upper()
    if link_name is not None and find_link(ctx, product, link_name) is not None:
        raise Conflict(
            f"The link '{link_name}' of product '{product.name}' already names another group.",
            target="groupLinkId",
        )
    link = ProductGroup(
        product_id=product.id,
        group_id=group.id,
        instance_id=ctx.instance.id,
        link_name=name,
        link_key=name.lower(),
    )
    if not insert_unless_taken(ctx.session, link):
        # A concurrent request linked them first: the same as linking them twice in a row.
        return _taken(_link(ctx, product, group), product), group, False
    audit.record(
        ctx, "product.group-link", f"products/{product.name}", {"groupId": group.name, "link": name}
    )
    ctx.session.flush()
    return link, group, True


def unlink_group(ctx: InstanceContext, product_id: str, group_id: str) -> bool:
    product = get_or_raise(ctx, product_id)
    group = groups.get_or_raise(ctx, group_id)
    link = _link(ctx, product, group)
    if link is None:
        return False
    ctx.session.delete(link)
    audit.record(ctx, "product.group-unlink", f"products/{product.name}", {"groupId": group.name})
    ctx.session.flush()
    return True


def has_group(ctx: InstanceContext, product_id: str, group_id: str) -> bool:
    product = get_or_raise(ctx, product_id)
    group = groups.get_or_raise(ctx, group_id)
    return _link(ctx, product, group) is not None


def product_groups(ctx: InstanceContext, product_id: str, query: ListQuery) -> Page[Group]:
    product = get_or_raise(ctx, product_id)
    statement = (
        select(Group)
        .join(ProductGroup, ProductGroup.group_id == Group.id)
        .where(ProductGroup.product_id == product.id, Group.instance_id == ctx.instance.id)
    )
    return fetch_page(ctx.session, statement, query, PRODUCT_GROUP_COLUMNS, order_by=Group.id)


def find_link(ctx: InstanceContext, product: Product, link_name: str) -> ProductGroup | None:
    return ctx.session.scalars(
        select(ProductGroup).where(
            ProductGroup.product_id == product.id, ProductGroup.link_key == link_name.lower()
        )
    ).first()


def get_link_or_raise(
    ctx: InstanceContext, product_id: str, link_name: str
) -> tuple[ProductGroup, Group]:
    product = get_or_raise(ctx, product_id)
    link = find_link(ctx, product, link_name)
    if link is None:
        raise NotFound(f"Group link '{link_name}' of product '{product.name}' was not found.")
    group = ctx.session.get(Group, link.group_id)
    assert group is not None
    return link, group


def put_link(
    ctx: InstanceContext, product_id: str, link_name: str, group_id: str
) -> tuple[ProductGroup, Group, bool]:
    validation.entity_id(link_name, target="groupLinkId", max_length=LINK_ID_MAX)
    product = get_or_raise(ctx, product_id)
    existing = find_link(ctx, product, link_name)
    group = groups.get_or_raise(ctx, group_id)
    if existing is not None:
        if existing.group_id != group.id:
            raise Conflict(
                f"The link '{link_name}' already names another group; delete it first.",
                target="groupId",
            )
        return existing, group, False
    return link_group(ctx, product_id, group_id, link_name=link_name)


def delete_link(ctx: InstanceContext, product_id: str, link_name: str) -> bool:
    # An id that could never have been created is bad input, not "nothing to delete".
    validation.entity_id(link_name, target="groupLinkId", max_length=LINK_ID_MAX)
    product = get_or_raise(ctx, product_id)
    link = find_link(ctx, product, link_name)
    if link is None:
        return False
    ctx.session.delete(link)
    audit.record(ctx, "product.group-unlink", f"products/{product.name}", {"link": link.link_name})
    ctx.session.flush()
    return True


def links(
    ctx: InstanceContext, product_id: str, query: ListQuery, *, group_id_prefix: str
) -> Page[tuple[ProductGroup, Group]]:
    """Group links, filterable on `groupId` as the full group id (`{group_id_prefix}{name}`)."""
    product = get_or_raise(ctx, product_id)
    columns = {"groupId": Column(literal(group_id_prefix) + Group.name, FieldKind.TEXT)}
    statement = (
        select(ProductGroup, Group)
        .join(Group, Group.id == ProductGroup.group_id)
        .where(ProductGroup.product_id == product.id)
    )
    return fetch_page(ctx.session, statement, query, columns, order_by=Group.id, rows=True)


def add_api(
    ctx: InstanceContext, product_id: str, api_id: str, *, link_name: str | None = None
) -> tuple[Api, bool]:
    """Make the API part of the product; False when it already was. Each membership is also
    an API link (`products/{p}/apiLinks/{link}`), named `link_name` or a fresh GUID."""
    product = get_or_raise(ctx, product_id)
    api = apis.get_or_raise(ctx, api_id)
    if ctx.session.get(ProductApi, (product.id, api.id)) is not None:
        return api, False
    name = link_name or str(uuid.uuid4()).upper()
    link = ProductApi(
        product_id=product.id,
        api_id=api.id,
        instance_id=ctx.instance.id,
        link_name=name,
        link_key=name.lower(),
    )
    if not insert_unless_taken(ctx.session, link):
        _taken(ctx.session.get(ProductApi, (product.id, api.id)), product)
        return api, False
    audit.record(
        ctx, "product.api-add", f"products/{product.name}", {"apiId": api.name, "link": name}
    )
    ctx.session.flush()
    return api, True


def remove_api(ctx: InstanceContext, product_id: str, api_id: str) -> bool:
    product = get_or_raise(ctx, product_id)
    api = apis.find(ctx, api_id)
    if api is None:
        return False
    link = ctx.session.get(ProductApi, (product.id, api.id))
    if link is None:
        return False
    ctx.session.delete(link)
    audit.record(ctx, "product.api-remove", f"products/{product.name}", {"apiId": api.name})
    ctx.session.flush()
    return True


def has_api(ctx: InstanceContext, product_id: str, api_id: str) -> Api:
    product = get_or_raise(ctx, product_id)
    api = apis.get_or_raise(ctx, api_id)
    if ctx.session.get(ProductApi, (product.id, api.id)) is None:
        raise NotFound(f"API '{api.name}' is not part of product '{product.name}'.")
    return api


def product_apis(ctx: InstanceContext, product_id: str, query: ListQuery) -> Page[Api]:
    product = get_or_raise(ctx, product_id)
    statement = select(Api).where(
        and_(
            Api.instance_id == ctx.instance.id,
            Api.id.in_(select(ProductApi.api_id).where(ProductApi.product_id == product.id)),
        )
    )
    return fetch_page(ctx.session, statement, query, apis.COLUMNS, order_by=Api.id)
