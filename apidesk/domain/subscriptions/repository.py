"""Subscription queries, scoped to the instance in the context."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Select, and_, func, literal, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from apidesk.domain.context import InstanceContext
from apidesk.query import FieldKind, ListQuery, Page
from apidesk.storage.filtering import Column, spelled
from apidesk.storage.models import Product, Subscription, User
from apidesk.storage.paging import fetch_page

_STATE = spelled("suspended", "active", "expired", "submitted", "rejected", "cancelled")


def _named(
    column: InstrumentedAttribute[int | None], target: type[User] | type[Product], instance_id: int
) -> Callable[[str], ColumnElement[bool]]:
    """`column` refers to the instance's `target` with this folded name: the target's id is
    looked up once (-1, which no row has, when there is none) and the subscription compared on
    its own column, never NULL (see `apidesk.storage.filtering`)."""

    def condition(name_key: str) -> ColumnElement[bool]:
        found = (
            select(func.coalesce(func.min(target.id), -1))
            .where(target.instance_id == instance_id, target.name_key == name_key)
            .scalar_subquery()
        )
        return and_(column.is_not(None), column == found)

    return condition


def columns(service_id: str, instance_id: int) -> dict[str, Column]:
    """Filter fields. `ownerId` and `scope` compare as the full ids the API shows; `userId eq`
    and `productId eq` compare the owner's and product's ids, so the (instance, owner, id)
    and (instance, product, id) indexes give the page in order."""
    owner = _named(Subscription.owner_id, User, instance_id)
    product = _named(Subscription.product_id, Product, instance_id)
    return {
        "name": Column(Subscription.name, FieldKind.TEXT, key=Subscription.name_key),
        "displayName": Column(Subscription.display_name, FieldKind.TEXT),
        "stateComment": Column(Subscription.state_comment, FieldKind.TEXT),
        "state": Column(Subscription.state, FieldKind.ENUM, key=Subscription.state, fold=_STATE),
        "ownerId": Column(literal(f"{service_id}/users/") + User.name, FieldKind.TEXT),
        "userId": Column(User.name, FieldKind.TEXT, key=User.name_key, reference=owner),
        "productId": Column(Product.name, FieldKind.TEXT, key=Product.name_key, reference=product),
        "scope": Column(literal(service_id) + Subscription.scope, FieldKind.TEXT),
    }


def find(ctx: InstanceContext, sid: str, *, lock: bool = False) -> Subscription | None:
    """The subscription; with `lock`, its row stays locked to the end of the unit."""
    query = select(Subscription).where(
        Subscription.instance_id == ctx.instance.id, Subscription.name_key == sid.lower()
    )
    return ctx.session.scalars(query.with_for_update() if lock else query).first()


def _base(instance_id: int) -> Select[Any]:
    """Owners and products are joined within the instance (they never belong to another), so
    a filter on `userId` or `productId` can find them by the (instance, name) index first."""
    return (
        select(Subscription)
        .outerjoin(User, (User.id == Subscription.owner_id) & (User.instance_id == instance_id))
        .outerjoin(
            Product, (Product.id == Subscription.product_id) & (Product.instance_id == instance_id)
        )
        .where(Subscription.instance_id == instance_id)
    )


def page(
    ctx: InstanceContext,
    query: ListQuery,
    service_id: str,
    *,
    owner: User | None = None,
    product: Product | None = None,
) -> Page[Subscription]:
    statement = _base(ctx.instance.id)
    if owner is not None:
        statement = statement.where(Subscription.owner_id == owner.id)
    if product is not None:
        statement = statement.where(Subscription.product_id == product.id)
    return fetch_page(
        ctx.session,
        statement,
        query,
        columns(service_id, ctx.instance.id),
        order_by=Subscription.id,
    )


def owners(ctx: InstanceContext, subscriptions: Iterable[Subscription]) -> dict[int, User]:
    ids = {s.owner_id for s in subscriptions if s.owner_id is not None}
    if not ids:
        return {}
    rows = ctx.session.scalars(select(User).where(User.id.in_(ids))).all()
    return {user.id: user for user in rows}


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
