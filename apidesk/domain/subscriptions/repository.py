"""Subscription queries, scoped to the instance in the context."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from sqlalchemy import Integer, String, and_, bindparam, func, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from apidesk.domain.context import InstanceContext
from apidesk.query import FieldKind, ListQuery, Page
from apidesk.storage.filtering import Column, spelled
from apidesk.storage.models import Product, Subscription, User
from apidesk.storage.models.subscription import SUMMARY_COLUMNS, SubscriptionSummary
from apidesk.storage.paging import Listing

_STATE = spelled("suspended", "active", "expired", "submitted", "rejected", "cancelled")


# The lists' statements are built once (see `Listing`): the instance, the service's id and the
# owner or product are parameters.
_INSTANCE: BindParameter[int] = bindparam("instance", type_=Integer())
_SERVICE = bindparam("service", type_=String())
_USERS_PREFIX = bindparam("users_prefix", type_=String())  # the service's id + "/users/"


def _named(
    column: InstrumentedAttribute[int | None], target: type[User] | type[Product]
) -> Callable[[Any], ColumnElement[bool]]:
    """`column` refers to the instance's `target` with this folded name: the target's id is
    looked up once (-1, which no row has, when there is none) and the subscription compared on
    its own column, never NULL (see `apidesk.storage.filtering`)."""

    def condition(name_key: Any) -> ColumnElement[bool]:
        found = (
            select(func.coalesce(func.min(target.id), -1))
            .where(target.instance_id == _INSTANCE, target.name_key == name_key)
            .scalar_subquery()
        )
        return and_(column.is_not(None), column == found)

    return condition


# Filter fields. `ownerId` and `scope` compare as the full ids the API shows; `userId eq` and
# `productId eq` compare the owner's and product's ids, so the (instance, owner, id) and
# (instance, product, id) indexes give the page in order.
COLUMNS = {
    "name": Column(Subscription.name, FieldKind.TEXT, key=Subscription.name_key, unique=True),
    "displayName": Column(Subscription.display_name, FieldKind.TEXT),
    "stateComment": Column(Subscription.state_comment, FieldKind.TEXT),
    "state": Column(Subscription.state, FieldKind.ENUM, key=Subscription.state, fold=_STATE),
    "ownerId": Column(_USERS_PREFIX + User.name, FieldKind.TEXT),
    "userId": Column(
        User.name, FieldKind.TEXT, key=User.name_key, reference=_named(Subscription.owner_id, User)
    ),
    "productId": Column(
        Product.name,
        FieldKind.TEXT,
        key=Product.name_key,
        reference=_named(Subscription.product_id, Product),
    ),
    "scope": Column(_SERVICE + Subscription.scope, FieldKind.TEXT),
}


def find(ctx: InstanceContext, sid: str, *, lock: bool = False) -> Subscription | None:
    """The subscription; with `lock`, its row stays locked to the end of the unit."""
    query = select(Subscription).where(
        Subscription.instance_id == ctx.instance.id, Subscription.name_key == sid.lower()
    )
    return ctx.session.scalars(query.with_for_update() if lock else query).first()


def _listing(*, owned: bool, of_product: bool) -> Listing:
    """Owners and products are joined within the instance (they never belong to another), so
    a filter on `userId` or `productId` can find them by the (instance, name) index first.
    No column of theirs is read, so a page without such a filter leaves the joins out
    (PostgreSQL removes them); the owners' names are read by `owner_names`."""
    statement = (
        select(*SUMMARY_COLUMNS)
        .select_from(Subscription)
        .outerjoin(User, (User.id == Subscription.owner_id) & (User.instance_id == _INSTANCE))
        .outerjoin(
            Product, (Product.id == Subscription.product_id) & (Product.instance_id == _INSTANCE)
        )
        .where(Subscription.instance_id == _INSTANCE)
    )
    if owned:
        statement = statement.where(Subscription.owner_id == bindparam("owner"))
    if of_product:
        statement = statement.where(Subscription.product_id == bindparam("product"))
    return Listing(statement, COLUMNS, order_by=Subscription.id)


_LISTS = {
    (owned, of_product): _listing(owned=owned, of_product=of_product)
    for owned in (False, True)
    for of_product in (False, True)
}


def page(
    ctx: InstanceContext,
    query: ListQuery,
    service_id: str,
    *,
    owner: User | None = None,
    product: Product | None = None,
) -> Page[SubscriptionSummary]:
    values: dict[str, Any] = {
        "instance": ctx.instance.id,
        "service": service_id,
        "users_prefix": f"{service_id}/users/",
    }
    if owner is not None:
        values["owner"] = owner.id
    if product is not None:
        values["product"] = product.id
    listing = _LISTS[owner is not None, product is not None]
    return cast(Page[SubscriptionSummary], listing.page(ctx.session, query, values))


_OWNER_NAMES = select(User.id, User.name).where(User.id.in_(bindparam("ids", expanding=True)))


def owner_names(
    ctx: InstanceContext, subscriptions: Iterable[SubscriptionSummary]
) -> dict[int, str]:
    ids = sorted({s.owner_id for s in subscriptions if s.owner_id is not None})
    if not ids:
        return {}
    return {user_id: name for user_id, name in ctx.session.execute(_OWNER_NAMES, {"ids": ids})}


def count_held(ctx: InstanceContext, owner: User, product: Product, states: Iterable[str]) -> int:
    return int(
        ctx.session.scalar(
            select(func.count())
            .select_from(Subscription)
            .where(
                Subscription.owner_id == owner.id,
                Subscription.product_id == product.id,
                Subscription.state.in_(list(states)),
            )
        )
        or 0
    )


def lock_owner(ctx: InstanceContext, owner: User) -> None:
    """Serialize subscription changes per user, so a limit cannot be overrun by racing
    requests. PostgreSQL locks the user's row; SQLite writers are serialized already."""
    ctx.session.execute(select(User.id).where(User.id == owner.id).with_for_update())
