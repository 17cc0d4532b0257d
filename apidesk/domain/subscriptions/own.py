"""A developer's own subscriptions, as the portal shows them: only those the user owns; any
other id is "not found", whether it exists or not, so ids of others' subscriptions tell nothing.
Revealing and regenerating keys reuse the subscription service and are audited as the user."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from apidesk.domain.context import InstanceContext
from apidesk.domain.portal import delegation
from apidesk.domain.portal.delegation import Operation
from apidesk.domain.subscriptions import keys, repository
from apidesk.domain.subscriptions import service as subscriptions
from apidesk.errors import Invalid, NotFound
from apidesk.storage.models import Product, Subscription, User


@dataclass(frozen=True)
class Owned:
    subscription: Subscription
    product: str | None  # the product's display name, when the scope is a product
    # An expired subscription is renewed on the publisher's site, while subscriptions are
    # delegated (APIM's Renew); the portal itself offers no renewal: one subscribes again.
    renewable: bool = False

    @property
    def cancellable(self) -> bool:
        return self.subscription.state in subscriptions.HELD

    @property
    def keys_offered(self) -> bool:
        """Whether the portal offers the keys: those of an active subscription work, and
        those of a suspended one will again if the publisher activates it; a request waiting
        for approval, and an ended or rejected subscription, have keys no call can use."""
        return self.subscription.state in ("active", "suspended")


@dataclass(frozen=True)
class Revealed:
    owned: Owned
    primary_key: str
    secondary_key: str


def list_owned(ctx: InstanceContext, user: User) -> list[Owned]:
    rows = ctx.session.execute(
        select(Subscription, Product.display_name)
        .outerjoin(Product, Product.id == Subscription.product_id)
        .where(Subscription.instance_id == ctx.instance.id, Subscription.owner_id == user.id)
        .order_by(Subscription.created_at, Subscription.id)
    ).all()
    return [Owned(subscription, product) for subscription, product in rows]


def get_owned(ctx: InstanceContext, user: User, sid: str) -> Owned:
    subscription = repository.find(ctx, sid)
    if subscription is None or subscription.owner_id != user.id:
        raise NotFound(f"Subscription '{sid}' was not found.")
    product = ctx.session.get(Product, subscription.product_id) if subscription.product_id else None
    renewable = subscription.state == "expired" and delegation.is_delegated(ctx, Operation.RENEW)
    return Owned(subscription, product.display_name if product else None, renewable)


def reveal(ctx: InstanceContext, user: User, sid: str) -> Revealed:
    owned = _with_keys(get_owned(ctx, user, sid))
    _, primary, secondary = subscriptions.secrets(ctx, owned.subscription.name)
    return Revealed(owned, primary, secondary)


def regenerate(ctx: InstanceContext, user: User, sid: str, slot: str) -> Owned:
    if slot not in keys.SLOTS:
        raise Invalid.field("key", "Choose the primary or the secondary key.")
    owned = _with_keys(get_owned(ctx, user, sid))
    subscriptions.regenerate(ctx, owned.subscription.name, slot)
    return owned


def _with_keys(owned: Owned) -> Owned:
    """The subscription, if its page offers its keys: a form sent for one whose page does not
    is refused the same way."""
    if not owned.keys_offered:
        state = owned.subscription.state
        if state == "submitted":
            raise Invalid.field("key", "The keys come once the request is approved.")
        raise Invalid.field("key", f"The keys of a {state} subscription no longer work.")
    return owned


def rename(ctx: InstanceContext, user: User, sid: str, name: str) -> Owned:
    owned = get_owned(ctx, user, sid)
    display = name.strip()
    if not display:
        raise Invalid.field("name", "Give the subscription a name.")
    subscriptions.update(
        ctx, owned.subscription.name, {"display_name": display}, "", expected_etag="*"
    )
    return owned


def cancel(ctx: InstanceContext, user: User, sid: str) -> Owned:
    """End the subscription: its keys stop working at once."""
    owned = get_owned(ctx, user, sid)
    if not owned.cancellable:
        raise Invalid.field("sid", f"The subscription is {owned.subscription.state} already.")
    subscriptions.set_state(ctx, owned.subscription.name, "cancelled")
    return owned


def renewable_or_raise(ctx: InstanceContext, user: User, sid: str) -> Owned:
    """The subscription the publisher's site is asked to renew (the portal hands it over)."""
    owned = get_owned(ctx, user, sid)
    if owned.subscription.state != "expired":
        raise Invalid.field(
            "sid",
            f"Only an expired subscription is renewed; this one is {owned.subscription.state}.",
        )
    if not owned.renewable:
        raise Invalid.field(
            "sid", "Renewal is not offered here: subscribe to the product again from Products."
        )
    return owned
