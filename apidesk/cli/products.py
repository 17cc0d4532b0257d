"""`apidesk products`: what developers subscribe to, with the management API's rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from apidesk.cli.common import ServiceOption, fail, found, pick_instance, unit_of_work
from apidesk.cli.output import JsonOption, LimitOption, YesOption, done, listing, print_json

if TYPE_CHECKING:
    from apidesk.storage.models import Product

app = typer.Typer(help="Products: what developers subscribe to.", no_args_is_help=True)

COLUMNS = [
    ("id", "id"),
    ("name", "displayName"),
    ("state", "state"),
    ("subscription", "subscriptionRequired"),
    ("approval", "approvalRequired"),
    ("limit", "subscriptionsLimit"),
]


def product_data(product: Product) -> dict[str, Any]:
    return {
        "id": product.name,
        "displayName": product.display_name,
        "description": product.description,
        "terms": product.terms,
        "state": product.state,
        "subscriptionRequired": product.subscription_required,
        "approvalRequired": product.approval_required,
        "subscriptionsLimit": product.subscriptions_limit,
    }


@app.command("list")
def list_products(
    service: str = ServiceOption, limit: int = LimitOption, as_json: bool = JsonOption
) -> None:
    """List products, oldest first."""
    from apidesk.domain.products import service as products
    from apidesk.query import ListQuery

    with unit_of_work() as ctx:
        page = products.list_products(pick_instance(ctx, service), ListQuery(top=limit))
        rows = [product_data(product) for product in page.items]
    if not as_json:
        for row in rows:
            row.pop("terms")
    listing(rows, page.total, "products", as_json, COLUMNS)


@app.command("show")
def show(product_id: str, service: str = ServiceOption, as_json: bool = JsonOption) -> None:
    """Show one product as JSON, with the groups that see it and its number of subscriptions."""
    from apidesk.domain.products import links
    from apidesk.domain.products import service as products
    from apidesk.query import ListQuery

    with unit_of_work() as ctx:
        ictx = pick_instance(ctx, service)
        product = products.get_or_raise(ictx, product_id)
        data = product_data(product)
        visible = links.product_groups(ictx, product_id, ListQuery(top=1000))
        data["groups"] = [group.name for group in visible.items]
        data["subscriptions"] = products.subscription_count(ictx, product)
    print_json(data)


@app.command("create")
def create(
    product_id: str,
    display_name: str = typer.Option(..., "--display-name", help="The name people see."),
    description: str = typer.Option(None, help="What the product offers."),
    terms: str = typer.Option(None, help="Terms of use a developer accepts when subscribing."),
    subscription_required: bool = typer.Option(
        None,
        "--subscription-required/--open",
        help="Calls need a subscription key (default), or the product is open to anyone.",
    ),
    approval_required: bool = typer.Option(
        None,
        "--approval-required/--no-approval-required",
        help="An administrator approves each new subscription (default: no).",
    ),
    limit: int = typer.Option(
        None, "--limit", min=0, help="Most subscriptions one user may hold (default: no limit)."
    ),
    published: bool = typer.Option(
        None, "--published/--not-published", help="Developers can see it (default: not yet)."
    ),
    service: str = ServiceOption,
    as_json: bool = JsonOption,
) -> None:
    """Create a product."""
    from apidesk.domain.products import service as products

    fields: products.ProductFields = {"display_name": display_name}
    if description is not None:
        fields["description"] = description
    if terms is not None:
        fields["terms"] = terms
    if subscription_required is not None:
        fields["subscription_required"] = subscription_required
    if approval_required is not None:
        fields["approval_required"] = approval_required
    if limit is not None:
        fields["subscriptions_limit"] = limit
    if published is not None:
        fields["state"] = "published" if published else "notPublished"
    with unit_of_work() as ctx:
        ictx = pick_instance(ctx, service)
        if found(products.get_or_raise, ictx, product_id):
            raise fail(f"product '{product_id}' already exists")
        product, _ = products.create_or_update(ictx, product_id, fields)
        data = product_data(product)
    done(f"Created product '{data['id']}' ({data['state']}).", as_json, data)


@app.command("delete")
def delete(
    product_id: str,
    delete_subscriptions: bool = typer.Option(
        False, "--delete-subscriptions", help="Delete its subscriptions too (their keys stop)."
    ),
    service: str = ServiceOption,
    yes: bool = YesOption,
    as_json: bool = JsonOption,
) -> None:
    """Delete a product; refused while it has subscriptions, unless they go with it."""
    from apidesk.domain.products import service as products
    from apidesk.errors import Conflict

    if not yes:
        typer.confirm(f"Delete product '{product_id}'?", abort=True)
    with unit_of_work() as ctx:
        try:
            deleted = products.delete(
                pick_instance(ctx, service),
                product_id,
                expected_etag="*",
                delete_subscriptions=delete_subscriptions,
            )
        except Conflict as error:
            # The domain names the API's parameter; here it is an option.
            raise fail(
                error.message.replace("deleteSubscriptions=true", "--delete-subscriptions")
            ) from None
    if not deleted:
        raise fail(f"Product '{product_id}' was not found.")
    done(f"Deleted product '{product_id}'.", as_json, {"deleted": product_id})
