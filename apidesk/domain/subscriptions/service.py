"""Subscriptions: who may call what, with which keys, in which state."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from apidesk.domain import audit, validation
from apidesk.domain.context import InstanceContext
from apidesk.domain.flows import notices
from apidesk.domain.subscriptions import keys, repository
from apidesk.domain.subscriptions.fields import (
    ALL_ACCESS,
    FIELDS,
    SID_MAX,
    SubscriptionFields,
    check_fields,
    resolve_owner,
    resolve_scope,
)
from apidesk.errors import Collection, Invalid, NotFound, PreconditionFailed
from apidesk.query import ListQuery, Page
from apidesk.storage.models import Product, Subscription, User
from apidesk.storage.models.subscription import SubscriptionSummary

# States that hold a place under a product's subscriptionsLimit.
HELD = ("active", "suspended", "submitted")
ENDED = ("cancelled", "expired")
LIMIT_REACHED = "Subscriptions limit reached for same user"


def keys_live(subscription: Subscription) -> bool:
    """Whether a subscription's keys work, or will once it is approved or activated again, as
    the console offers them: those of a rejected, cancelled or expired one never will (unless
    the management API sets its state again)."""
    return subscription.state in HELD


def refuse_dead_keys(subscription: Subscription) -> None:
    """The web faces' refusal to show or regenerate keys that no call can use (the management
    API, as APIM's, still lists and regenerates them in any state)."""
    if not keys_live(subscription):
        raise Invalid.field(
            "slot", f"The keys of a {subscription.state} subscription no longer work."
        )


@dataclass(frozen=True)
class StateChange:
    """What happened to a subscription's state in one request (for e-mails to act on)."""

    subscription: Subscription
    previous: str | None
    current: str


def get_or_raise(ctx: InstanceContext, sid: str, *, lock: bool = False) -> Subscription:
    subscription = repository.find(ctx, sid, lock=lock)
    if subscription is None:
        raise NotFound(f"Subscription '{sid}' was not found.")
    return subscription


def owner_names(
    ctx: InstanceContext, subscriptions: Iterable[SubscriptionSummary]
) -> dict[int, str]:
    """The name of the owner of each of `subscriptions` that has one, by user id, in one
    query."""
    return repository.owner_names(ctx, subscriptions)


def owner_name(ctx: InstanceContext, subscription: SubscriptionSummary) -> str | None:
    """The name of the subscription's owner, if it has one."""
    if subscription.owner_id is None:
        return None
    return owner_names(ctx, [subscription]).get(subscription.owner_id)


def list_subscriptions(
    ctx: InstanceContext,
    query: ListQuery,
    service_id: str,
    *,
    owner: User | None = None,
    product: Product | None = None,
) -> Page[SubscriptionSummary]:
    """A page of subscriptions, as rows (`owner_names` gives their owners' names)."""
    return repository.page(ctx, query, service_id, owner=owner, product=product)


def _check_limit(
    ctx: InstanceContext, owner: User | None, product: Product | None, *, adding: bool
) -> None:
    """A new place under a product's per-user limit must be free."""
    if not adding or owner is None or product is None or product.subscriptions_limit is None:
        return
    repository.lock_owner(ctx, owner)
    if repository.count_held(ctx, owner, product, HELD) >= product.subscriptions_limit:
        raise Invalid(LIMIT_REACHED)


def _enter_state(ctx: InstanceContext, subscription: Subscription, state: str) -> None:
    now = ctx.now()
    subscription.state = state
    if state == "active" and subscription.start_date is None:
        subscription.start_date = now
    if state in ENDED:
        subscription.end_date = now


def create_or_update(
    ctx: InstanceContext,
    sid: str,
    fields: SubscriptionFields,
    service_id: str,
    *,
    expected_etag: str | None = None,
    notify: bool = False,
) -> tuple[Subscription, bool]:
    subscription, created, change = _create_or_update(ctx, sid, fields, service_id, expected_etag)
    if notify and change is not None:
        _tell(ctx, change)
    return subscription, created


def _create_or_update(
    ctx: InstanceContext,
    sid: str,
    fields: SubscriptionFields,
    service_id: str,
    expected_etag: str | None,
) -> tuple[Subscription, bool, StateChange | None]:
    validation.entity_id(sid, target="sid", max_length=SID_MAX)
    existing = repository.find(ctx, sid, lock=True)
    if existing is not None:
        clean = check_fields(fields, creating=False)
        changed = _update(ctx, existing, clean, service_id, expected_etag)
        return existing, False, changed
    if expected_etag is not None:
        raise PreconditionFailed("The subscription does not exist, so it cannot match 'If-Match'.")
    clean = check_fields(fields, creating=True)
    owner = resolve_owner(ctx, clean.get("owner_id"), service_id)
    if owner is not None:
        # Serialize per owner, then look again: a racing request may have created this very
        # subscription while this one waited; then this PUT is an update ("already subscribed").
        repository.lock_owner(ctx, owner)
        racer = repository.find(ctx, sid)
        if racer is not None:
            changed = _update(ctx, racer, check_fields(fields, creating=False), service_id, None)
            return racer, False, changed
    subscription = _create(ctx, sid, clean, service_id)
    return subscription, True, StateChange(subscription, None, subscription.state)


def _tell(ctx: InstanceContext, change: StateChange) -> None:
    subscription = change.subscription
    owner = ctx.session.get(User, subscription.owner_id) if subscription.owner_id else None
    product = ctx.session.get(Product, subscription.product_id) if subscription.product_id else None
    # Where the publisher's people act on it: the subscription's page in the console.
    url = (
        f"{ctx.runtime.settings.public_url}/console/{ctx.instance.name}"
        f"/subscriptions/{subscription.name}"
    )
    notices.subscription_state(ctx, subscription, owner, product, url)
    ctx.session.flush()


def _create(ctx: InstanceContext, sid: str, clean: dict[str, Any], service_id: str) -> Subscription:
    scope = resolve_scope(ctx, clean["scope"], service_id)
    owner = resolve_owner(ctx, clean.get("owner_id"), service_id)
    state = clean.get("state")
    if state is None:
        needs_approval = scope.product is not None and scope.product.approval_required
        state = "submitted" if needs_approval else "active"
    chosen: dict[keys.Slot, str] = {
        "primary": clean.get("primary_key") or keys.generate(),
        "secondary": clean.get("secondary_key") or keys.generate(),
    }
    keys.ensure_unused(ctx, chosen, subscription_id=None)
    _check_limit(ctx, owner, scope.product, adding=state in HELD)
    subscription = Subscription(
        instance_id=ctx.instance.id,
        name=sid,
        name_key=sid.lower(),
        owner_id=owner.id if owner else None,
        scope=scope.path,
        product_id=scope.product.id if scope.product else None,
        api_id=scope.api.id if scope.api else None,
        display_name=clean["display_name"],
        state=state,
        state_comment=clean.get("state_comment"),
        allow_tracing=bool(clean.get("allow_tracing")),
        created_at=ctx.now(),
        primary_key="",
        secondary_key="",
    )
    _enter_state(ctx, subscription, state)
    for slot in keys.SLOTS:
        keys.seal(ctx, subscription, slot, chosen[slot])
    ctx.session.add(subscription)
    ctx.session.flush()
    keys.index(ctx, subscription, chosen)
    audit.record(
        ctx,
        "subscription.create",
        f"subscriptions/{sid}",
        {
            "scope": scope.path,
            "ownerId": owner.name if owner else None,
            "state": state,
            "displayName": clean["display_name"],
            **{
                FIELDS[f"{slot}_key"].target: "set"
                for slot in keys.SLOTS
                if clean.get(f"{slot}_key")
            },
        },
    )
    ctx.session.flush()
    return subscription


def _update(
    ctx: InstanceContext,
    subscription: Subscription,
    clean: dict[str, Any],
    service_id: str,
    expected_etag: str | None,
) -> StateChange | None:
    if expected_etag not in (None, "*") and expected_etag != subscription.etag:
        raise PreconditionFailed()
    if subscription.scope == ALL_ACCESS and ("scope" in clean or "owner_id" in clean):
        raise Invalid.field("scope", "The built-in all-access subscription keeps its scope.")
    previous_state = subscription.state
    owner: User | None = (
        resolve_owner(ctx, clean["owner_id"], service_id)
        if "owner_id" in clean
        else (ctx.session.get(User, subscription.owner_id) if subscription.owner_id else None)
    )
    scope = resolve_scope(ctx, clean["scope"], service_id) if "scope" in clean else None
    product = (
        scope.product
        if scope is not None
        else (
            ctx.session.get(Product, subscription.product_id) if subscription.product_id else None
        )
    )
    new_state = clean.get("state", subscription.state)
    takes_new_place = new_state in HELD and (
        previous_state not in HELD
        or ("owner_id" in clean and (owner.id if owner else None) != subscription.owner_id)
        or (scope is not None and (product.id if product else None) != subscription.product_id)
    )
    _check_limit(ctx, owner, product, adding=takes_new_place)
    chosen: dict[keys.Slot, str] = {
        slot: clean[f"{slot}_key"] for slot in keys.SLOTS if clean.get(f"{slot}_key") is not None
    }
    if chosen:
        full: dict[keys.Slot, str] = {
            slot: chosen.get(slot) or keys.reveal(ctx, subscription, slot) for slot in keys.SLOTS
        }
        keys.ensure_unused(ctx, full, subscription_id=subscription.id)
        for slot, value in chosen.items():
            keys.seal(ctx, subscription, slot, value)
        keys.index(ctx, subscription, chosen)
    if "owner_id" in clean:
        subscription.owner_id = owner.id if owner else None
    if scope is not None:
        subscription.scope = scope.path
        subscription.product_id = scope.product.id if scope.product else None
        subscription.api_id = scope.api.id if scope.api else None
    for name in ("display_name", "state_comment", "allow_tracing"):
        if name in clean:
            value = clean[name]
            setattr(subscription, name, bool(value) if name == "allow_tracing" else value)
    if "expiration_date" in clean:
        subscription.expiration_date = _date(clean["expiration_date"])
    if new_state != previous_state:
        _enter_state(ctx, subscription, new_state)
    changes = {
        FIELDS[name].target: ("set" if name.endswith("_key") else value)
        for name, value in clean.items()
    }
    audit.record(ctx, "subscription.update", f"subscriptions/{subscription.name}", changes)
    ctx.session.flush()
    if new_state != previous_state:
        return StateChange(subscription, previous_state, new_state)
    return None


def _date(value: Any) -> datetime | None:
    if value is None:
        return None
    problems = Collection()
    result = validation.moment(problems, "expirationDate", value)
    problems.raise_if_any()
    return result


def update(
    ctx: InstanceContext,
    sid: str,
    fields: SubscriptionFields,
    service_id: str,
    *,
    expected_etag: str,
    notify: bool = False,
) -> Subscription:
    clean = check_fields(fields, creating=False)
    subscription = get_or_raise(ctx, sid, lock=True)
    changed = _update(ctx, subscription, clean, service_id, expected_etag)
    if notify and changed is not None:
        _tell(ctx, changed)
    return subscription


def check_state_change(state: str, *, comment: str | None = None) -> dict[str, Any]:
    """The checked values of `set_state`, or `Invalid` as it would raise, with nothing changed:
    a page that asks before it rejects refuses a bad reason before it asks."""
    fields: SubscriptionFields = {"state": state}
    if comment is not None:
        fields["state_comment"] = comment
    return check_fields(fields, creating=False)


def set_state(
    ctx: InstanceContext, sid: str, state: str, *, comment: str | None = None
) -> Subscription:
    """Approve, reject, suspend, activate or cancel, as an operator does in the console; the
    owner and the publisher's recipients hear of it as through the API with notify."""
    clean = check_state_change(state, comment=comment)
    subscription = get_or_raise(ctx, sid, lock=True)
    # Neither owner nor scope changes here, so no resource id needs reading.
    changed = _update(ctx, subscription, clean, "", None)
    if changed is not None:
        _tell(ctx, changed)
    return subscription


def reveal_key(ctx: InstanceContext, sid: str, slot: keys.Slot) -> tuple[Subscription, str]:
    """One key of a subscription, shown to an operator; each look is in the audit log."""
    subscription = get_or_raise(ctx, sid)
    audit.record(ctx, f"subscription.reveal-{slot}-key", f"subscriptions/{subscription.name}")
    return subscription, keys.reveal(ctx, subscription, slot)


def delete(ctx: InstanceContext, sid: str, *, expected_etag: str = "*") -> bool:
    subscription = repository.find(ctx, sid, lock=True)
    if subscription is None:
        if expected_etag == "*":
            return False
        raise NotFound(f"Subscription '{sid}' was not found.")
    if expected_etag != "*" and expected_etag != subscription.etag:
        raise PreconditionFailed()
    if subscription.scope == ALL_ACCESS:
        raise Invalid.field("sid", "The built-in all-access subscription cannot be deleted.")
    audit.record(ctx, "subscription.delete", f"subscriptions/{subscription.name}")
    ctx.session.delete(subscription)
    ctx.session.flush()
    return True


def regenerate(ctx: InstanceContext, sid: str, slot: keys.Slot) -> Subscription:
    subscription = get_or_raise(ctx, sid, lock=True)
    value = keys.generate()
    keys.seal(ctx, subscription, slot, value)
    keys.index(ctx, subscription, {slot: value})
    audit.record(ctx, f"subscription.regenerate-{slot}-key", f"subscriptions/{subscription.name}")
    ctx.session.flush()
    return subscription


def secrets(ctx: InstanceContext, sid: str) -> tuple[Subscription, str, str]:
    subscription = get_or_raise(ctx, sid)
    audit.record(ctx, "subscription.list-secrets", f"subscriptions/{subscription.name}")
    return (
        subscription,
        keys.reveal(ctx, subscription, "primary"),
        keys.reveal(ctx, subscription, "secondary"),
    )


def on_owner_deleted(ctx: InstanceContext, owner: User, *, delete_subscriptions: bool) -> int:
    """Deal with a departing user's subscriptions: delete them, or, by default, keep them as
    cancelled, owner-less records. Either way, none of their keys works any longer."""
    held = ctx.session.scalars(select(Subscription).where(Subscription.owner_id == owner.id)).all()
    for subscription in held:
        if delete_subscriptions:
            ctx.session.delete(subscription)
            continue
        if subscription.state not in ENDED:
            _enter_state(ctx, subscription, "cancelled")
        subscription.owner_id = None
        subscription.state_comment = f"Owner '{owner.name}' was deleted."
    ctx.session.flush()
    return len(held)
