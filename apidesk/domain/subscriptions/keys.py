"""Subscription keys: encrypted at rest, found by a keyed digest, unique in an instance."""

from __future__ import annotations

import secrets
from typing import Literal

from sqlalchemy import delete, select

from apidesk.domain.context import InstanceContext
from apidesk.errors import Conflict, Invalid
from apidesk.storage.models import Subscription, SubscriptionKey

Slot = Literal["primary", "secondary"]
SLOTS: tuple[Slot, Slot] = ("primary", "secondary")
WIRE = {"primary": "primaryKey", "secondary": "secondaryKey"}


def generate() -> str:
    """32 lowercase hex characters: 128 random bits, in the shape APIM hands out."""
    return secrets.token_hex(16)


def _context(subscription: Subscription, slot: Slot) -> str:
    return f"subscription/{subscription.instance_id}/{subscription.name_key}/{slot}"


def reveal(ctx: InstanceContext, subscription: Subscription, slot: Slot) -> str:
    stored = subscription.primary_key if slot == "primary" else subscription.secondary_key
    return ctx.runtime.secrets.decrypt(stored, context=_context(subscription, slot))


def digest(ctx: InstanceContext, key: str) -> str:
    return ctx.runtime.secrets.lookup_digest(key)


def ensure_unused(
    ctx: InstanceContext, keys: dict[Slot, str], *, subscription_id: int | None
) -> None:
    """Refuse keys that another subscription of the instance already uses."""
    if len(set(keys.values())) < len(keys):
        raise Invalid.field("secondaryKey", "The primary and secondary keys must differ.")
    digests = {digest(ctx, value): slot for slot, value in keys.items()}
    statement = select(SubscriptionKey.digest).where(
        SubscriptionKey.instance_id == ctx.instance.id,
        SubscriptionKey.digest.in_(list(digests)),
    )
    if subscription_id is not None:
        statement = statement.where(SubscriptionKey.subscription_id != subscription_id)
    taken = ctx.session.scalars(statement).first()
    if taken is not None:
        target = WIRE[digests[taken]]
        raise Conflict(
            f"That {target} is already in use by another subscription; choose another key.",
            code="IdentifierAlreadyInUse",
            target=target,
        )


def seal(ctx: InstanceContext, subscription: Subscription, slot: Slot, key: str) -> None:
    """Put the key, encrypted, on the subscription row."""
    sealed = ctx.runtime.secrets.encrypt(key, context=_context(subscription, slot))
    if slot == "primary":
        subscription.primary_key = sealed
    else:
        subscription.secondary_key = sealed


def index(ctx: InstanceContext, subscription: Subscription, chosen: dict[Slot, str]) -> None:
    """Record the digests of new keys for the gateway check (the subscription must have an
    id). Old rows go first, so that swapping the two keys does not collide with itself."""
    ctx.session.execute(
        delete(SubscriptionKey).where(
            SubscriptionKey.subscription_id == subscription.id,
            SubscriptionKey.slot.in_(list(chosen)),
        )
    )
    ctx.session.flush()
    for slot, key in chosen.items():
        ctx.session.add(
            SubscriptionKey(
                instance_id=subscription.instance_id,
                subscription_id=subscription.id,
                slot=slot,
                digest=digest(ctx, key),
            )
        )
