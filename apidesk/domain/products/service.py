"""Products: what developers subscribe to, and the rules of subscribing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

from sqlalchemy import func, select

from apidesk.domain import audit, naming, validation
from apidesk.domain.context import InstanceContext
from apidesk.domain.products import repository
from apidesk.errors import Collection, Conflict, Invalid, NotFound, PreconditionFailed
from apidesk.query import ListQuery, Page
from apidesk.storage.models import Group, Product, Subscription

PRODUCT_ID_MAX = 256
STATES = ("notPublished", "published")
WIRE = {
    "display_name": "displayName",
    "description": "description",
    "terms": "terms",
    "subscription_required": "subscriptionRequired",
    "approval_required": "approvalRequired",
    "subscriptions_limit": "subscriptionsLimit",
    "state": "state",
}
NULLABLE = ("description", "terms", "subscriptions_limit", "approval_required")


class ProductFields(TypedDict, total=False):
    display_name: Any
    description: Any
    terms: Any
    subscription_required: Any
    approval_required: Any
    subscriptions_limit: Any
    state: Any


def get_or_raise(ctx: InstanceContext, product_id: str, *, lock: bool = False) -> Product:
    product = repository.find(ctx, product_id, lock=lock)
    if product is None:
        raise NotFound(f"Product '{product_id}' was not found.")
    return product


def groups_of(ctx: InstanceContext, products: Iterable[Product]) -> dict[int, list[Group]]:
    """The groups that see each of `products`, by product id, in one query."""
    return repository.groups_of(ctx, products)


def list_products(ctx: InstanceContext, query: ListQuery) -> Page[Product]:
    return repository.page(ctx, query)


def _validate(fields: Mapping[str, Any]) -> dict[str, Any]:
    problems = Collection()
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        target = WIRE[name]
        if value is None:
            if name in NULLABLE:
                clean[name] = None
            else:
                problems.add(target, f"'{target}' cannot be null.")
            continue
        if name == "display_name":
            clean[name] = validation.text(problems, target, value, max_length=300)
        elif name == "description":
            clean[name] = validation.text(
                problems,
                target,
                value,
                min_length=0,
                max_length=1000,
                allow_blank=True,
                multiline=True,
            )
        elif name == "terms":
            clean[name] = validation.text(
                problems,
                target,
                value,
                min_length=0,
                max_length=100_000,
                allow_blank=True,
                multiline=True,
            )
        elif name in ("subscription_required", "approval_required"):
            if not isinstance(value, bool):
                problems.add(target, f"'{target}' must be true or false.")
            else:
                clean[name] = value
        elif name == "subscriptions_limit":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**31 - 1:
                problems.add(target, f"'{target}' must be a whole number of at least 0, or null.")
            else:
                clean[name] = value
        elif name == "state":
            if value not in STATES:
                problems.add(target, f"'{target}' must be one of: {', '.join(STATES)}.")
            else:
                clean[name] = value
    problems.raise_if_any()
    return clean


def _check_consistent(product: Product) -> None:
    if not product.subscription_required:
        problems = Collection()
        if product.approval_required:
            problems.add(
                "approvalRequired",
                "'approvalRequired' can be true only when 'subscriptionRequired' is true.",
            )
        if product.subscriptions_limit is not None:
            problems.add(
                "subscriptionsLimit",
                "'subscriptionsLimit' can be set only when 'subscriptionRequired' is true.",
            )
        problems.raise_if_any()


def _changes(clean: Mapping[str, Any]) -> dict[str, Any]:
    return {WIRE[name]: value for name, value in clean.items()}


def create_or_update(
    ctx: InstanceContext,
    product_id: str,
    fields: ProductFields,
    *,
    expected_etag: str | None = None,
) -> tuple[Product, bool]:
    validation.entity_id(product_id, target="productId", max_length=PRODUCT_ID_MAX)
    clean = _validate(fields)
    existing = repository.find(ctx, product_id, lock=True)
    if existing is not None:
        _check_etag(existing, expected_etag)
        _apply(ctx, existing, clean)
        ctx.session.flush()
        return existing, False
    if expected_etag is not None:
        raise PreconditionFailed("The product does not exist, so it cannot match 'If-Match'.")
    if clean.get("display_name") is None:
        raise Invalid.field("displayName", "'displayName' is required.")
    product = Product(
        instance_id=ctx.instance.id,
        name=product_id,
        name_key=product_id.lower(),
        display_name=clean["display_name"],
        description=clean.get("description"),
        terms=clean.get("terms"),
        subscription_required=clean.get("subscription_required", True),
        approval_required=bool(clean.get("approval_required")),
        subscriptions_limit=clean.get("subscriptions_limit"),
        state=clean.get("state", "notPublished"),
    )
    _check_consistent(product)
    ctx.session.add(product)
    audit.record(ctx, "product.create", f"products/{product_id}", _changes(clean))
    ctx.session.flush()
    return product, True


def _check_etag(product: Product, expected_etag: str | None) -> None:
    if expected_etag not in (None, "*") and expected_etag != product.etag:
        raise PreconditionFailed()


def _apply(ctx: InstanceContext, product: Product, clean: Mapping[str, Any]) -> None:
    for name, value in clean.items():
        if name == "approval_required":
            value = bool(value)
        setattr(product, name, value)
    _check_consistent(product)
    audit.record(ctx, "product.update", f"products/{product.name}", _changes(clean))


def create(ctx: InstanceContext, fields: ProductFields) -> Product:
    """A new product with an id made from its display name (the console's + Add product)."""
    name = fields.get("display_name")
    product_id = naming.free_id(
        name if isinstance(name, str) else "",
        lambda candidate: repository.find(ctx, candidate) is not None,
        fallback="product",
    )
    return create_or_update(ctx, product_id, fields)[0]


def update(
    ctx: InstanceContext, product_id: str, fields: ProductFields, *, expected_etag: str = "*"
) -> Product:
    clean = _validate(fields)
    product = get_or_raise(ctx, product_id, lock=True)
    _check_etag(product, expected_etag)
    _apply(ctx, product, clean)
    ctx.session.flush()
    return product


def subscription_count(ctx: InstanceContext, product: Product) -> int:
    return int(
        ctx.session.scalar(
            select(func.count())
            .select_from(Subscription)
            .where(Subscription.product_id == product.id)
        )
        or 0
    )


def delete(
    ctx: InstanceContext,
    product_id: str,
    *,
    expected_etag: str = "*",
    delete_subscriptions: bool,
) -> bool:
    """Delete the product. Its subscriptions go with it only when asked; otherwise a product
    that still has subscriptions is kept, so no key loses its meaning unnoticed."""
    product = repository.find(ctx, product_id, lock=True)
    if product is None:
        if expected_etag == "*":
            return False
        raise NotFound(f"Product '{product_id}' was not found.")
    _check_etag(product, expected_etag)
    count = subscription_count(ctx, product)
    if count and not delete_subscriptions:
        raise Conflict(
            f"Product '{product.name}' has {count} subscription(s); delete them first or pass "
            "deleteSubscriptions=true to delete them with the product.",
            target="deleteSubscriptions",
        )
    audit.record(ctx, "product.delete", f"products/{product.name}", {"deletedSubscriptions": count})
    # Subscriptions, their keys, group and API links cascade with the product.
    ctx.session.delete(product)
    ctx.session.flush()
    return True
