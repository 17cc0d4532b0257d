"""The products a developer sees in the portal, and subscribing to one: what the portal's
Products pages ask of the domain. A published product is visible to the groups linked to it;
a visitor who is not signed in counts as a member of Guests. Subscribing follows the
product's rules: approval (the request waits, `submitted`), the per-user limit, and its
terms, which must be accepted."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from apidesk.domain.context import InstanceContext
from apidesk.domain.products import links
from apidesk.domain.subscriptions import service as subscriptions
from apidesk.domain.subscriptions.fields import DISPLAY_NAME_MAX
from apidesk.domain.users import repository as users
from apidesk.errors import Invalid, NotFound
from apidesk.query import ListQuery
from apidesk.storage.models import Api, Group, Product, ProductGroup, Subscription, User

GUESTS = "guests"


def _group_ids(ctx: InstanceContext, user: User | None) -> list[int]:
    if user is None:
        guests = ctx.session.scalar(
            select(Group.id).where(Group.instance_id == ctx.instance.id, Group.name_key == GUESTS)
        )
        return [guests] if guests is not None else []
    return [group.id for group in users.groups_of(ctx, [user]).get(user.id, [])]


def visible(ctx: InstanceContext, user: User | None) -> list[Product]:
    """Published products linked to one of the user's groups (Guests for visitors)."""
    ids = _group_ids(ctx, user)
    if not ids:
        return []
    linked = select(ProductGroup.product_id).where(ProductGroup.group_id.in_(ids))
    return list(
        ctx.session.scalars(
            select(Product)
            .where(
                Product.instance_id == ctx.instance.id,
                Product.state == "published",
                Product.id.in_(linked),
            )
            .order_by(Product.display_name, Product.id)
        )
    )


def visible_or_raise(ctx: InstanceContext, user: User | None, product_id: str) -> Product:
    """A product this user may see; any other id is "not found", whether it exists or not."""
    for product in visible(ctx, user):
        if product.name_key == product_id.lower():
            return product
    raise NotFound(f"Product '{product_id}' was not found.")


def apis_of(ctx: InstanceContext, product: Product) -> list[Api]:
    return list(links.product_apis(ctx, product.name, ListQuery(top=1000)).items)


def subscribe(
    ctx: InstanceContext, user: User, product_id: str, name: str, *, accepted_terms: bool
) -> Subscription:
    """A new subscription of `user` to a product they can see: `submitted` when the product
    needs approval, `active` otherwise; the owner and the publisher's recipients hear of it."""
    product = visible_or_raise(ctx, user, product_id)
    if not product.subscription_required:
        raise Invalid.field("product", "This product needs no subscription: call its APIs as is.")
    if product.terms and not accepted_terms:
        raise Invalid.field("terms", "Accept the terms of use to subscribe.")
    display = name.strip() or product.display_name
    if len(display) > DISPLAY_NAME_MAX:
        raise Invalid.field("name", f"The name may have at most {DISPLAY_NAME_MAX} characters.")
    subscription, _ = subscriptions.create_or_update(
        ctx,
        uuid.uuid4().hex,
        {
            "owner_id": f"/users/{user.name}",
            "scope": f"/products/{product.name}",
            "display_name": display,
        },
        "",
        notify=True,
    )
    return subscription
