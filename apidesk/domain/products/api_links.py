"""API links: APIM's second view of the APIs in a product (`products/{p}/apiLinks/{link}`).

Like group links, a link is the product-API membership row itself, so `products/{p}/apis` and
`products/{p}/apiLinks` always agree: adding an API through either shows it in both, and
removing it through either removes it from both.
"""

from __future__ import annotations

from sqlalchemy import literal, select

from apidesk.domain import audit, validation
from apidesk.domain.apis import service as apis
from apidesk.domain.context import InstanceContext
from apidesk.domain.products import links
from apidesk.domain.products.service import get_or_raise
from apidesk.errors import Conflict, NotFound
from apidesk.query import FieldKind, ListQuery, Page
from apidesk.storage.filtering import Column
from apidesk.storage.models import Api, Product, ProductApi
from apidesk.storage.paging import fetch_page

LINK_ID_MAX = 80


def find(ctx: InstanceContext, product: Product, link_name: str) -> ProductApi | None:
    return ctx.session.scalars(
        select(ProductApi).where(
            ProductApi.product_id == product.id, ProductApi.link_key == link_name.lower()
        )
    ).first()


def get_or_raise_link(
    ctx: InstanceContext, product_id: str, link_name: str
) -> tuple[ProductApi, Api, Product]:
    product = get_or_raise(ctx, product_id)
    link = find(ctx, product, link_name)
    if link is None:
        raise NotFound(f"API link '{link_name}' of product '{product.name}' was not found.")
    api = ctx.session.get(Api, link.api_id)
    assert api is not None
    return link, api, product


def put(
    ctx: InstanceContext, product_id: str, link_name: str, api_id: str
) -> tuple[ProductApi, Api, Product, bool]:
    """Link the API to the product under `link_name`; False when that link existed. An API
    that is part of the product already keeps its link, which is what the answer shows."""
    validation.entity_id(link_name, target="apiLinkId", max_length=LINK_ID_MAX)
    product = get_or_raise(ctx, product_id)
    api = apis.get_or_raise(ctx, api_id)
    existing = find(ctx, product, link_name)
    if existing is not None:
        if existing.api_id != api.id:
            raise Conflict(
                f"The link '{link_name}' already names another API; delete it first.",
                target="apiId",
            )
        return existing, api, product, False
    current = ctx.session.get(ProductApi, (product.id, api.id))
    if current is not None:
        return current, api, product, False
    links.add_api(ctx, product.name, api.name, link_name=link_name)
    created = ctx.session.get(ProductApi, (product.id, api.id))
    assert created is not None
    return created, api, product, True


def delete(ctx: InstanceContext, product_id: str, link_name: str) -> bool:
    """Remove the link, and with it the API from the product; False when there was none."""
    # An id that could never have been created is bad input, not "nothing to delete".
    validation.entity_id(link_name, target="apiLinkId", max_length=LINK_ID_MAX)
    product = get_or_raise(ctx, product_id)
    link = find(ctx, product, link_name)
    if link is None:
        return False
    api = ctx.session.get(Api, link.api_id)
    ctx.session.delete(link)
    audit.record(
        ctx,
        "product.api-remove",
        f"products/{product.name}",
        {"apiId": api.name if api else None, "link": link.link_name},
    )
    ctx.session.flush()
    return True


def list_links(
    ctx: InstanceContext, product_id: str, query: ListQuery, *, api_id_prefix: str
) -> tuple[Product, Page[tuple[ProductApi, Api]]]:
    """A product's API links, filterable on `apiId` as the full API id
    (`{api_id_prefix}{name}`)."""
    product = get_or_raise(ctx, product_id)
    columns = {"apiId": Column(literal(api_id_prefix) + Api.name, FieldKind.TEXT)}
    statement = (
        select(ProductApi, Api)
        .join(Api, Api.id == ProductApi.api_id)
        .where(ProductApi.product_id == product.id, Api.instance_id == ctx.instance.id)
    )
    page: Page[tuple[ProductApi, Api]] = fetch_page(
        ctx.session, statement, query, columns, order_by=Api.id, rows=True
    )
    return product, page
