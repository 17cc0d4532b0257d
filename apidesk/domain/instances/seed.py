"""What a new instance contains (reference §4.7): the administrator, the system groups, the
tenant access keys, the products `starter` and `unlimited` with the administrator's
subscriptions to them, the all-access `master` subscription, and the administrator as the
recipient of the publisher notifications (all but BCC)."""

from __future__ import annotations

import uuid

from apidesk.domain import tenant
from apidesk.domain.context import InstanceContext
from apidesk.domain.notifications import recipients
from apidesk.domain.portal import settings as portal_settings
from apidesk.domain.subscriptions import keys
from apidesk.domain.validation import email_key
from apidesk.ids import object_id
from apidesk.storage.models import Group, GroupMember, Product, ProductGroup, Subscription, User

ADMIN_USER_ID = "1"
ADMINISTRATORS = "administrators"
DEVELOPERS = "developers"
GUESTS = "guests"

SYSTEM_GROUPS = {
    ADMINISTRATORS: (
        "Administrators",
        "Built-in group holding the administrator account named when the service was created. "
        "The system manages its members.",
    ),
    DEVELOPERS: (
        "Developers",
        "Built-in group of every signed-in developer. The system manages its members.",
    ),
    GUESTS: (
        "Guests",
        "Built-in group standing for anonymous visitors of the developer portal. The system "
        "manages its members.",
    ),
}


ALL_ACCESS = "/"
PRODUCTS = {
    "starter": (
        "Starter",
        "A first product for trying the APIs: subscribe at once, no approval needed.",
        False,
    ),
    "unlimited": (
        "Unlimited",
        "Full access to the APIs; an administrator approves each subscription.",
        True,
    ),
}


def populate(ctx: InstanceContext) -> None:
    instance = ctx.instance
    session = ctx.session
    groups: dict[str, Group] = {}
    for name, (display_name, description) in SYSTEM_GROUPS.items():
        group = Group(
            instance_id=instance.id,
            name=name,
            name_key=name,
            display_name=display_name,
            description=description,
            type="system",
            external_id=None,
            built_in=True,
        )
        session.add(group)
        groups[name] = group

    admin = User(
        instance_id=instance.id,
        name=ADMIN_USER_ID,
        name_key=ADMIN_USER_ID,
        email=instance.publisher_email,
        email_key=email_key(instance.publisher_email),
        first_name="Administrator",
        last_name="",
        state="active",
        note=None,
        identities=[{"provider": "Azure", "id": instance.publisher_email}],
        registration_date=instance.created_at,
        password_hash=None,
    )
    session.add(admin)

    tenant.create_defaults(ctx)
    portal_settings.create_defaults(ctx)
    session.flush()
    for name in (ADMINISTRATORS, DEVELOPERS):
        session.add(
            GroupMember(group_id=groups[name].id, user_id=admin.id, instance_id=instance.id)
        )
    session.flush()
    recipients.seed(ctx, admin)
    _products(ctx, groups, admin)


def _products(ctx: InstanceContext, groups: dict[str, Group], admin: User) -> None:
    session = ctx.session
    instance = ctx.instance
    for name, (display_name, description, approval) in PRODUCTS.items():
        product = Product(
            instance_id=instance.id,
            name=name,
            name_key=name,
            display_name=display_name,
            description=description,
            terms="",
            subscription_required=True,
            approval_required=approval,
            subscriptions_limit=1,
            state="published",
        )
        session.add(product)
        session.flush()
        for group in groups.values():
            link = str(uuid.uuid4()).upper()
            session.add(
                ProductGroup(
                    product_id=product.id,
                    group_id=group.id,
                    instance_id=instance.id,
                    link_name=link,
                    link_key=link.lower(),
                )
            )
        _subscription(ctx, object_id(), f"/products/{name}", product, admin, None)
    _subscription(ctx, "master", ALL_ACCESS, None, None, "Built-in all-access subscription")
    session.flush()


def _subscription(
    ctx: InstanceContext,
    name: str,
    scope: str,
    product: Product | None,
    owner: User | None,
    display_name: str | None,
) -> None:
    now = ctx.now()
    subscription = Subscription(
        instance_id=ctx.instance.id,
        name=name,
        name_key=name.lower(),
        owner_id=owner.id if owner else None,
        scope=scope,
        product_id=product.id if product else None,
        api_id=None,
        display_name=display_name,
        state="active",
        state_comment=None,
        allow_tracing=False,
        created_at=now,
        start_date=now,
        primary_key="",
        secondary_key="",
    )
    chosen = {slot: keys.generate() for slot in keys.SLOTS}
    for slot in keys.SLOTS:
        keys.seal(ctx, subscription, slot, chosen[slot])
    ctx.session.add(subscription)
    ctx.session.flush()
    keys.index(ctx, subscription, chosen)
