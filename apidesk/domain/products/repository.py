"""Product queries, scoped to the instance in the context."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import exists, select

from apidesk.domain.context import InstanceContext
from apidesk.query import FieldKind, ListQuery, Page
from apidesk.storage.filtering import Column, spelled
from apidesk.storage.models import Api, Group, Product, ProductApi, ProductGroup
from apidesk.storage.paging import fetch_page

_STATE = spelled("notPublished", "published")

COLUMNS = {
    "name": Column(Product.name, FieldKind.TEXT),
    "displayName": Column(Product.display_name, FieldKind.TEXT),
    "description": Column(Product.description, FieldKind.TEXT),
    "terms": Column(Product.terms, FieldKind.TEXT),
    "state": Column(Product.state, FieldKind.ENUM, key=Product.state, fold=_STATE),
}


def find(ctx: InstanceContext, product_id: str, *, lock: bool = False) -> Product | None:
    """The product; with `lock`, its row stays locked to the end of the unit."""
    query = select(Product).where(
        Product.instance_id == ctx.instance.id, Product.name_key == product_id.lower()
    )
    return ctx.session.scalars(query.with_for_update() if lock else query).first()


def page(ctx: InstanceContext, query: ListQuery, *, api: Api | None = None) -> Page[Product]:
    statement = select(Product).where(Product.instance_id == ctx.instance.id)
    if api is not None:
        statement = statement.where(
            exists().where(ProductApi.product_id == Product.id, ProductApi.api_id == api.id)
        )
    return fetch_page(ctx.session, statement, query, COLUMNS, order_by=Product.id)


def groups_of(ctx: InstanceContext, products: Iterable[Product]) -> dict[int, list[Group]]:
    ids = [product.id for product in products]
    result: dict[int, list[Group]] = defaultdict(list)
    if not ids:
        return result
    rows = ctx.session.execute(
        select(ProductGroup.product_id, Group)
        .join(Group, Group.id == ProductGroup.group_id)
        .where(ProductGroup.instance_id == ctx.instance.id, ProductGroup.product_id.in_(ids))
        .order_by(Group.id)
    ).all()
    for product_id, group in rows:
        result[product_id].append(group)
    return result
