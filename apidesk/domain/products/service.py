"""Products: what developers subscribe to, and the rules of subscribing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

from sqlalchemy import func, select

from apidesk.domain import audit, naming, validation
from apidesk.domain.context import InstanceContext
from apidesk.domain.fields import Field, Kind, Null, changes, check, missing, prose, table
from apidesk.domain.products import repository
from apidesk.errors import Collection, Collided, Conflict, Invalid, NotFound, PreconditionFailed
from apidesk.query import ListQuery, Page
from apidesk.storage.models import Group, Product, Subscription

PRODUCT_ID_MAX = 256
STATES = ("notPublished", "published")
FIELDS = table(
    Field("display_name", "displayName", Kind.TEXT, max_length=300),
    prose("description", "description", 1000),
    prose("terms", "terms", 100_000),
    Field("subscription_required", "subscriptionRequired", Kind.BOOLEAN),
    Field("approval_required", "approvalRequired", Kind.BOOLEAN, null=Null.KEPT),
    Field("subscriptions_limit", "subscriptionsLimit", Kind.COUNT, null=Null.KEPT),
    Field("state", "state", Kind.CHOICE, choices=STATES, case_sensitive=True),
)


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
    clean = check(problems, FIELDS, fields)
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


def create_or_update(
    ctx: InstanceContext,
    product_id: str,
    fields: ProductFields,
    *,
    expected_etag: str | None = None,
    only_new: bool = False,
) -> tuple[Product, bool]:
    validation.entity_id(product_id, target="productId", max_length=PRODUCT_ID_MAX)
    clean = _validate(fields)
    existing = repository.find(ctx, product_id, lock=True)
    if existing is not None:
        if only_new:
            raise Collided(
                f"Another product with the id '{product_id}' was added at the same time; nothing "
                "was changed. Look again and add it if it is still missing."
            )
        _check_etag(existing, expected_etag)
        _apply(ctx, existing, clean)
        ctx.session.flush()
        return existing, False
    if expected_etag is not None:
        raise PreconditionFailed("The product does not exist, so it cannot match 'If-Match'.")
    if absent := missing(FIELDS, clean, ("display_name",)):
        raise Invalid(problems=absent)
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
    audit.record(ctx, "product.create", f"products/{product_id}", changes(FIELDS, clean))
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
    audit.record(ctx, "product.update", f"products/{product.name}", changes(FIELDS, clean))


def create(ctx: InstanceContext, fields: ProductFields) -> Product:
    """A new product with an id made from its display name (the console's + Add product)."""
    name = fields.get("display_name")
    product_id = naming.free_id(
        name if isinstance(name, str) else "",
        lambda candidate: repository.find(ctx, candidate) is not None,
        fallback="product",
    )
    # Only ever adds: an id taken since the check above is refused, never overwritten.
    return create_or_update(ctx, product_id, fields, only_new=True)[0]


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
