"""`apidesk subscriptions`: who may call what, and their keys. Keys are printed only by
`subscriptions keys`; every other command leaves them out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from apidesk.cli.common import ServiceOption, fail, found, pick_instance, unit_of_work
from apidesk.cli.output import JsonOption, LimitOption, done, listing, print_json, when

if TYPE_CHECKING:
    from apidesk.domain.context import InstanceContext
    from apidesk.storage.models import Subscription
    from apidesk.storage.models.subscription import SubscriptionSummary

app = typer.Typer(help="Subscriptions and their keys.", no_args_is_help=True)

COLUMNS = [
    ("id", "id"),
    ("name", "displayName"),
    ("scope", "scope"),
    ("owner", "ownerId"),
    ("state", "state"),
    ("created", "createdDate"),
]
NotifyOption = typer.Option(
    False, "--notify", help="E-mail the owner about the change, as APIM's notify=true does."
)
CommentOption = typer.Option(None, "--comment", help="Why: kept as the state comment.")


def _service_id(ictx: InstanceContext) -> str:
    from apidesk.api.management.ids import service_id

    return service_id(ictx.instance)


def subscription_data(ictx: InstanceContext, subscription: Subscription) -> dict[str, Any]:
    from apidesk.domain.subscriptions import service as subscriptions

    return _shown(subscription, subscriptions.owner_name(ictx, subscription))


def _shown(subscription: SubscriptionSummary, owner_name: str | None) -> dict[str, Any]:
    return {
        "id": subscription.name,
        "displayName": subscription.display_name,
        "scope": subscription.scope,
        "ownerId": owner_name,
        "state": subscription.state,
        "stateComment": subscription.state_comment,
        "allowTracing": subscription.allow_tracing,
        "createdDate": when(subscription.created_at),
        "startDate": when(subscription.start_date),
        "expirationDate": when(subscription.expiration_date),
        "endDate": when(subscription.end_date),
    }


@app.command("list")
def list_subscriptions(
    user: str = typer.Option(None, "--user", help="Only this user's subscriptions."),
    product: str = typer.Option(None, "--product", help="Only subscriptions to this product."),
    state: str = typer.Option(None, "--state", help="Only subscriptions in this state."),
    service: str = ServiceOption,
    limit: int = LimitOption,
    as_json: bool = JsonOption,
) -> None:
    """List subscriptions, oldest first (never their keys)."""
    from apidesk.domain.products import service as products
    from apidesk.domain.subscriptions import service as subscriptions
    from apidesk.domain.users import service as users
    from apidesk.query import Compare, ListQuery

    with unit_of_work() as ctx:
        ictx = pick_instance(ctx, service)
        page = subscriptions.list_subscriptions(
            ictx,
            ListQuery(filter=Compare("state", "eq", state) if state else None, top=limit),
            _service_id(ictx),
            owner=users.get_or_raise(ictx, user) if user else None,
            product=products.get_or_raise(ictx, product) if product else None,
        )
        names = subscriptions.owner_names(ictx, page.items)
        rows = [
            _shown(item, names.get(item.owner_id) if item.owner_id is not None else None)
            for item in page.items
        ]
    if not as_json:
        for row in rows:
            row["createdDate"] = (row["createdDate"] or "")[:10]
    listing(rows, page.total, "subscriptions", as_json, COLUMNS)


@app.command("show")
def show(sid: str, service: str = ServiceOption, as_json: bool = JsonOption) -> None:
    """Show one subscription as JSON (without its keys)."""
    from apidesk.domain.subscriptions import service as subscriptions

    with unit_of_work() as ctx:
        ictx = pick_instance(ctx, service)
        data = subscription_data(ictx, subscriptions.get_or_raise(ictx, sid))
    print_json(data)


@app.command("create")
def create(
    sid: str = typer.Argument(None, help="The subscription's id; generated when left out."),
    product: str = typer.Option(None, "--product", help="Subscribe to this product."),
    scope: str = typer.Option(
        None, "--scope", help="Or give the scope: /products/{id}, /apis or /apis/{id}."
    ),
    user: str = typer.Option(None, "--user", help="The owner (a user id)."),
    display_name: str = typer.Option(
        None, "--display-name", help="Default: the product or API it is for."
    ),
    state: str = typer.Option(
        None, help="Default: active, or submitted when the product needs approval."
    ),
    notify: bool = NotifyOption,
    service: str = ServiceOption,
    as_json: bool = JsonOption,
) -> None:
    """Create a subscription. Its keys are generated; `subscriptions keys` shows them."""
    from apidesk.domain.subscriptions import service as subscriptions
    from apidesk.ids import object_id

    if (product is None) == (scope is None):
        raise fail("give either --product or --scope")
    path = scope if scope is not None else f"/products/{product}"
    sid = sid or object_id()
    fields: subscriptions.SubscriptionFields = {
        "scope": path,
        "display_name": display_name or path.rstrip("/").rsplit("/", 1)[-1],
    }
    if user is not None:
        fields["owner_id"] = f"/users/{user}"
    if state is not None:
        fields["state"] = state
    with unit_of_work() as ctx:
        ictx = pick_instance(ctx, service)
        if found(subscriptions.get_or_raise, ictx, sid):
            raise fail(f"subscription '{sid}' already exists")
        subscription, _ = subscriptions.create_or_update(
            ictx, sid, fields, _service_id(ictx), notify=notify
        )
        data = subscription_data(ictx, subscription)
    done(f"Created subscription '{data['id']}' ({data['state']}).", as_json, data)


@app.command("keys")
def keys(sid: str, service: str = ServiceOption, as_json: bool = JsonOption) -> None:
    """Print the subscription's primary and secondary keys (the audit log records it)."""
    from apidesk.domain.subscriptions import service as subscriptions

    with unit_of_work() as ctx:
        _, primary, secondary = subscriptions.secrets(pick_instance(ctx, service), sid)
    if as_json:
        print_json({"primaryKey": primary, "secondaryKey": secondary})
    else:
        print(f"primary:   {primary}\nsecondary: {secondary}")


@app.command("regenerate")
def regenerate(
    sid: str,
    primary: bool = typer.Option(False, "--primary", help="Replace the primary key."),
    secondary: bool = typer.Option(False, "--secondary", help="Replace the secondary key."),
    service: str = ServiceOption,
    as_json: bool = JsonOption,
) -> None:
    """Replace a key (or both): the old one stops working at once. Shows no key."""
    from apidesk.domain.subscriptions import service as subscriptions

    slots = [slot for slot, chosen in (("primary", primary), ("secondary", secondary)) if chosen]
    if not slots:
        raise fail("say which key: --primary, --secondary, or both")
    with unit_of_work() as ctx:
        ictx = pick_instance(ctx, service)
        for slot in slots:
            name = subscriptions.regenerate(ictx, sid, slot).name  # type: ignore[arg-type]
    done(
        f"Regenerated the {' and '.join(slots)} key of '{name}'; "
        f"`apidesk subscriptions keys {name}` shows the new one.",
        as_json,
        {"id": name, "regenerated": slots},
    )


def _set_state(
    sid: str, state: str, comment: str | None, notify: bool, service: str | None, as_json: bool
) -> None:
    from apidesk.domain.subscriptions import service as subscriptions

    fields: subscriptions.SubscriptionFields = {"state": state}
    if comment is not None:
        fields["state_comment"] = comment
    with unit_of_work() as ctx:
        ictx = pick_instance(ctx, service)
        subscription = subscriptions.update(
            ictx, sid, fields, _service_id(ictx), expected_etag="*", notify=notify
        )
        data = subscription_data(ictx, subscription)
    done(f"Subscription '{data['id']}' is now {state}.", as_json, data)


@app.command("suspend")
def suspend(
    sid: str,
    comment: str = CommentOption,
    notify: bool = NotifyOption,
    service: str = ServiceOption,
    as_json: bool = JsonOption,
) -> None:
    """Suspend a subscription: its keys stop working until it is activated again."""
    _set_state(sid, "suspended", comment, notify, service, as_json)


@app.command("activate")
def activate(
    sid: str,
    comment: str = CommentOption,
    notify: bool = NotifyOption,
    service: str = ServiceOption,
    as_json: bool = JsonOption,
) -> None:
    """Activate a subscription (approve a submitted one, or resume a suspended one)."""
    _set_state(sid, "active", comment, notify, service, as_json)


@app.command("cancel")
def cancel(
    sid: str,
    comment: str = CommentOption,
    notify: bool = NotifyOption,
    service: str = ServiceOption,
    as_json: bool = JsonOption,
) -> None:
    """Cancel a subscription: its keys stop working."""
    _set_state(sid, "cancelled", comment, notify, service, as_json)
