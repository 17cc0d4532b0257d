"""E-mails about account and subscription events, to developers and publisher recipients."""

from __future__ import annotations

from apidesk.domain.context import InstanceContext
from apidesk.domain.notifications import outbox, values
from apidesk.storage.models import Product, Subscription, User

ACCOUNT_CLOSED_DEVELOPER = "AccountClosedDeveloper"
ACCOUNT_CLOSED_PUBLISHER = "AccountClosedPublisher"
REQUEST_DEVELOPER = "RequestDeveloperNotificationMessage"
REQUEST_PUBLISHER = "RequestPublisherNotificationMessage"
PURCHASE_DEVELOPER = "PurchaseDeveloperNotificationMessage"
PURCHASE_PUBLISHER = "PurchasePublisherNotificationMessage"
REJECT_DEVELOPER = "RejectDeveloperNotificationMessage"


def account_closed(ctx: InstanceContext, user: User) -> None:
    filled = values.developer(ctx, user)
    outbox.to_developer(ctx, ACCOUNT_CLOSED_DEVELOPER, user, filled)
    outbox.to_publisher(ctx, ACCOUNT_CLOSED_PUBLISHER, filled)


def subscription_state(
    ctx: InstanceContext,
    subscription: Subscription,
    owner: User | None,
    product: Product | None,
    console_url: str,
) -> None:
    """Tell the owner (and the publisher's recipients) that a subscription was requested,
    activated or rejected. Other states, and subscriptions without an owner, send nothing."""
    if owner is None:
        return
    filled = {
        **values.developer(ctx, owner),
        "ProdId": product.name if product else subscription.scope,
        "ProdName": product.display_name if product else subscription.display_name or "",
        "SubId": subscription.name,
        "SubName": subscription.display_name or subscription.name,
        "SubStartDate": subscription.start_date.strftime("%Y-%m-%d")
        if subscription.start_date
        else "",
        "SubTerm": "",
        "SubDeclineReason": subscription.state_comment or "",
        "ConsoleUrl": console_url,
    }
    if subscription.state == "submitted":
        outbox.to_developer(ctx, REQUEST_DEVELOPER, owner, filled)
        outbox.to_publisher(ctx, REQUEST_PUBLISHER, filled)
    elif subscription.state == "active":
        outbox.to_developer(ctx, PURCHASE_DEVELOPER, owner, filled)
        outbox.to_publisher(ctx, PURCHASE_PUBLISHER, filled)
    elif subscription.state == "rejected":
        outbox.to_developer(ctx, REJECT_DEVELOPER, owner, filled)
